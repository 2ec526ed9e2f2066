"""Science projects' pages, mounted at /projects/."""

from django.urls import path

from .views import applications, calls, integrity, projects

app_name = "projects"
urlpatterns = [
    # 指南
    path("", calls.call_list, name="calls"),
    path("calls/new/", calls.call_add, name="call_add"),
    path("calls/<int:pk>/", calls.call_detail, name="call"),
    path("calls/<int:pk>/edit/", calls.call_edit, name="call_edit"),
    path("calls/<int:pk>/status/<slug:status>/", calls.call_status, name="call_status"),
    path("calls/<int:call_pk>/apply/", applications.application_add, name="application_add"),
    # 项目申报
    path("applications/", applications.application_list, name="applications"),
    path("applications/<int:pk>/", applications.application_detail, name="application"),
    path("applications/<int:pk>/edit/", applications.application_edit, name="application_edit"),
    path("applications/<int:pk>/step/", applications.application_step, name="application_step"),
    path("applications/<int:pk>/sign/", applications.application_sign, name="application_sign"),
    path("applications/<int:pk>/delete/", applications.application_delete, name="application_delete"),
    path("applications/<int:pk>/attach/", applications.attachment_upload, name="application_attach"),
    path("application-files/<int:pk>/", applications.attachment_download, name="application_file"),
    path("application-files/<int:pk>/delete/", applications.attachment_delete, name="application_file_delete"),
    # 立项项目
    path("funded/", projects.project_list, name="projects"),
    path("funded/<int:pk>/", projects.project_detail, name="project"),
    path("funded/<int:pk>/do/<slug:what>/", projects.project_step, name="project_step"),
    # 科研诚信
    path("integrity/", integrity.integrity_list, name="integrity"),
    path("integrity/new/", integrity.integrity_add, name="integrity_add"),
    path("integrity/<int:pk>/edit/", integrity.integrity_edit, name="integrity_edit"),
    path("integrity/<int:pk>/delete/", integrity.integrity_delete, name="integrity_delete"),
]
