"""The framework's own pages: home, sign-in, imports, account (API tokens), audit log, background jobs. The registry apps' object
pages join this namespace ("web:…") in heluo/urls.py."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import audit, jobs, pages, signin

urlpatterns = [
    path("", pages.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html", redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("imports/", pages.import_list, name="import_list"),
    path("imports/<int:pk>/", pages.import_job, name="import_job"),
    path("imports/templates/<slug:kind>/", pages.import_template, name="import_template"),
    path("account/", pages.account, name="account"),
    path("account/two-factor/", signin.two_factor, name="two_factor"),
    path("account/password/", pages.PasswordChange.as_view(), name="password_change"),
    path("account/tokens/<int:pk>/revoke/", pages.token_revoke, name="token_revoke"),
    path("audit/", audit.audit_log, name="audit_log"),
    path("audit/reads/", audit.audit_log, {"tab": "reads"}, name="audit_reads"),
    path("audit/events/", audit.audit_log, {"tab": "events"}, name="audit_events"),
    path("audit/verify/", audit.audit_verify, name="audit_verify"),
    path("jobs/", jobs.jobs, name="jobs"),
    path("jobs/<slug:name>/run/", jobs.job_run, name="job_run"),
]
