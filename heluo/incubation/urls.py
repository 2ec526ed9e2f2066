"""Incubation and mentors' pages, mounted at /incubation/."""

from django.urls import path

from .views import chain, mentors

app_name = "incubation"
urlpatterns = [
    path("", chain.chain, name="chain"),
    path("carriers/new/", chain.carrier_add, name="carrier_add"),
    path("carriers/<int:pk>/", chain.carrier_detail, name="carrier"),
    path("carriers/<int:pk>/admit/", chain.admit, name="admit"),
    path("firms/", chain.incubation_list, name="incubations"),
    path("firms/<int:pk>/", chain.incubation_detail, name="incubation"),
    path("firms/<int:pk>/graduate/", chain.graduate, name="graduate"),
    path("firms/<int:pk>/leave/", chain.leave, name="leave"),
    path("firms/<int:pk>/pair/", mentors.pair, name="pair"),
    path("mentors/", mentors.mentor_list, name="mentors"),
    path("mentors/<int:pk>/", mentors.mentor_detail, name="mentor"),
    path("mentors/<int:pk>/profile/", mentors.mentor_profile, name="mentor_profile"),
    path("sessions/", mentors.session_list, name="sessions"),
    path("pairings/<int:pk>/sessions/", mentors.session_add, name="session_add"),
    path("sessions/<int:pk>/report/", mentors.session_report, name="session_report"),
    path("events/", mentors.event_list, name="events"),
    path("events/new/", mentors.event_add, name="event_add"),
    path("events/<int:pk>/", mentors.event_detail, name="event"),
]
