"""Technology market pages, mounted at /market/."""

app_name = "market"
urlpatterns: list = []
