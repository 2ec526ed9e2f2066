"""Talent programmes' pages, mounted at /talent/."""

from django.urls import path

from .views import cards, rounds

app_name = "talent"
urlpatterns = [
    path("", rounds.round_list, name="rounds"),
    path("rounds/new/", rounds.round_add, name="round_add"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round"),
    path("rounds/<int:pk>/review/", rounds.round_review, name="round_review"),
    path("rounds/<int:pk>/decide/", rounds.round_decide, name="round_decide"),
    path("rounds/<int:pk>/apply/", rounds.application_add, name="apply"),
    path("applications/<int:pk>/", rounds.application_detail, name="application"),
    path("applications/<int:pk>/withdraw/", rounds.application_withdraw, name="withdraw"),
    path("awards/<int:pk>/pay/", rounds.award_pay, name="award_pay"),
    path("awards/<int:pk>/check/", rounds.award_check, name="award_check"),
    path("reviews/", rounds.my_reviews, name="reviews"),
    path("reviews/<int:pk>/", rounds.review_sheet, name="review"),
    path("talents/", cards.talent_list, name="talents"),
    path("talents/<int:pk>/card/", cards.card_issue, name="card_issue"),
    path("cards/", cards.card_list, name="cards"),
    path("cards/<int:pk>/", cards.card_detail, name="card"),
    path("cards/<int:pk>/revoke/", cards.card_revoke, name="card_revoke"),
    path("cards/use/", cards.use_record, name="use_record"),
    path("map/", cards.map_page, name="map"),
    path("shortage/", cards.shortage_page, name="shortage"),
    path("shortage/need/", cards.need_add, name="need_add"),
    path("me/", cards.own_record, name="me"),
]
