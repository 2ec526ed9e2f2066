"""Area pages (URL names in the shared "web" namespace)."""

from heluo.web.views.generic import urlpatterns_for

from . import views

urlpatterns = urlpatterns_for(views.AREA, "reference/areas")
