"""Technology market pages, mounted at /market/."""

from django.urls import path

from .views import achievements, home

app_name = "market"
urlpatterns = [
    path("", home.home, name="home"),
    # the library of achievements (科技成果库)
    path("achievements/", achievements.achievement_list, name="achievements"),
    path("achievements/new/", achievements.achievement_edit, name="achievement_new"),
    path("achievements/catalogue/", achievements.achievement_catalogue, name="achievement_catalogue"),
    path("achievements/<int:pk>/", achievements.achievement_detail, name="achievement"),
    path("achievements/<int:pk>/edit/", achievements.achievement_edit, name="achievement_edit"),
    path("achievements/<int:pk>/attach/", achievements.attachment_upload, name="achievement_attach"),
    path("achievements/<int:pk>/<slug:action>/", achievements.achievement_step, name="achievement_step"),
    path("achievement-files/<int:pk>/", achievements.attachment_download, name="achievement_file"),
    path("achievement-files/<int:pk>/delete/", achievements.attachment_delete, name="achievement_file_delete"),
]
