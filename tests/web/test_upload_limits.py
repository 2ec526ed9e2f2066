"""Import uploads through the web are bounded: an upload over HELUO_UPLOAD_MAX_BYTES is refused with the reason in
the page's language (413 when the request itself announces too much, a form error otherwise); nothing is stored."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from heluo.core.models import ImportJob
from tests.helpers import login


@pytest.fixture
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}},
    }
    return tmp_path


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def upload(client, size, name="大文件.xlsx"):
    return client.post(
        reverse("web:import_list"), {"kind": "organizations", "file": SimpleUploadedFile(name, b"PK" + b"\0" * (size - 2)), "dry_run": "on"}
    )


def test_an_upload_announcing_too_many_bytes_is_refused_before_it_is_used(world, client, settings, media):
    settings.HELUO_UPLOAD_MAX_BYTES = 10_000
    login(client, world.users.staff)
    response = upload(client, 300_000)
    html = response.content.decode()
    assert response.status_code == 413
    assert "超过上传上限" in html and "0.3 MB" in html  # the page speaks Chinese first
    assert not ImportJob.objects.exists() and stored_files(media) == []
    client.cookies["django_language"] = "en"
    html = upload(client, 300_000).content.decode()
    assert "over the upload limit of" in html


def test_a_file_over_the_limit_within_the_request_margin_is_a_form_error(world, client, settings, media):
    settings.HELUO_UPLOAD_MAX_BYTES = 10_000
    login(client, world.users.staff)
    response = upload(client, 30_000)
    html = response.content.decode()
    assert response.status_code == 200 and "超过上传上限" in html and "is-invalid" in html
    assert not ImportJob.objects.exists() and stored_files(media) == []


def test_the_form_names_the_limit(world, client, settings):
    settings.HELUO_UPLOAD_MAX_BYTES = 20 * 1024 * 1024
    login(client, world.users.staff)
    client.cookies["django_language"] = "en"
    assert "At most 20 MB." in client.get(reverse("web:import_list")).content.decode()
