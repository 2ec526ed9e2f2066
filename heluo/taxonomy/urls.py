"""Industry, high-tech field and cluster pages (URL names in the shared "web" namespace)."""

from heluo.web.views.generic import urlpatterns_for

from . import views

urlpatterns = [
    *urlpatterns_for(views.INDUSTRY, "reference/industries"),
    *urlpatterns_for(views.HITECH_FIELD, "reference/hitech-fields"),
    *urlpatterns_for(views.CLUSTER, "reference/clusters"),
]
