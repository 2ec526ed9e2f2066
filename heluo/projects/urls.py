"""Science projects' pages, mounted at /projects/."""

from django.urls import path

from .views import applications, calls, challenges, experts, inspections, integrity, projects, review, rubric

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
    path("applications/<int:pk>/avoidance/", review.avoidance, name="application_avoidance"),
    # 评审
    path("calls/<int:pk>/review/", review.review_round, name="review_round"),
    path("calls/<int:pk>/review/rubric/", rubric.rubric_edit, name="review_rubric"),
    path("calls/<int:pk>/review/assign/", review.assign, name="review_assign"),
    path("calls/<int:pk>/review/finish/", review.finish, name="review_finish"),
    path("calls/<int:pk>/review/decide/", review.decide, name="review_decide"),
    path("calls/<int:pk>/review/panel/", review.panel, name="review_panel"),
    path("experts/", experts.expert_list, name="experts"),
    path("experts/<int:pk>/", experts.expert_detail, name="expert"),
    path("review/", review.my_reviews, name="my_reviews"),
    path("review/<int:pk>/", review.review_page, name="review"),
    path("review/<int:pk>/decline/", review.review_decline, name="review_decline"),
    path("review/<int:pk>/conflict/", review.review_conflict, name="review_conflict"),
    path("review/<int:pk>/reassign/", review.reassign, name="review_reassign"),
    # 立项项目
    path("funded/", projects.project_list, name="projects"),
    path("funded/<int:pk>/", projects.project_detail, name="project"),
    path("funded/<int:pk>/do/<slug:what>/", projects.project_step, name="project_step"),
    # 科研诚信
    path("integrity/", integrity.integrity_list, name="integrity"),
    path("integrity/new/", integrity.integrity_add, name="integrity_add"),
    path("integrity/<int:pk>/edit/", integrity.integrity_edit, name="integrity_edit"),
    path("integrity/<int:pk>/delete/", integrity.integrity_delete, name="integrity_delete"),
    # 双随机 inspections
    path("inspections/", inspections.draw_list, name="inspections"),
    path("inspections/new/", inspections.draw_add, name="inspection_add"),
    path("inspections/results/", inspections.public_results, name="inspections_public"),
    path("inspections/<int:pk>/", inspections.draw_detail, name="inspection"),
    path("inspections/<int:pk>/publish/", inspections.draw_publish, name="inspection_publish"),
    path("inspection-items/<int:pk>/result/", inspections.item_result, name="inspection_result"),
    # 揭榜挂帅 / 赛马制
    path("challenges/", challenges.challenge_list, name="challenges"),
    path("challenges/new/", challenges.challenge_add, name="challenge_add"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge"),
    path("challenges/<int:pk>/status/<slug:status>/", challenges.challenge_status, name="challenge_status"),
    path("challenges/<int:pk>/bid/", challenges.bid_add, name="bid_add"),
    path("challenges/<int:pk>/award/", challenges.challenge_award, name="challenge_award"),
    path("challenges/<int:pk>/checkpoint/", challenges.challenge_checkpoint, name="challenge_checkpoint"),
    path("bids/<int:pk>/review/", challenges.bid_review, name="bid_review"),
]
