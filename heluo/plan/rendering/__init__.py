"""The annual report rendered: a Word document (docx) and a standalone, print-friendly HTML page (html)."""
