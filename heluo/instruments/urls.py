"""Shared instruments' pages, mounted at /instruments/."""

from django.urls import path

from .views import bookings, instruments, statistics

app_name = "instruments"
urlpatterns = [
    path("", instruments.instrument_list, name="list"),
    path("<int:pk>/", instruments.instrument_detail, name="detail"),
    path("<int:pk>/book/", bookings.booking_add, name="book"),
    path("bookings/", bookings.booking_list, name="bookings"),
    path("bookings/<int:pk>/", bookings.booking_detail, name="booking"),
    path("bookings/<int:pk>/step/<slug:action>/", bookings.booking_step, name="booking_step"),
    path("bookings/<int:pk>/use/", bookings.booking_use, name="booking_use"),
    path("queue/", bookings.queue, name="queue"),
    path("statistics/", statistics.statistics, name="statistics"),
    path("evaluations/", statistics.evaluations, name="evaluations"),
]
