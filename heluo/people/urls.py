"""People and talent-programme pages (URL names in the shared "web" namespace)."""

from django.urls import path

from heluo.web.views.generic import urlpatterns_for

from . import views

urlpatterns = [
    *urlpatterns_for(views.PERSON, "people", [path("people/<int:pk>/reveal-id-number/", views.person_reveal, name="person_reveal")]),
    *urlpatterns_for(views.PROGRAMME, "reference/talent-programmes"),
]
