"""Signing in under 等保 rules: every sign-in, failure, lockout and sign-out is a security event; a session ends
after a spell of idleness and after a fixed time in all; a second factor is asked of the roles that need it;
an expired password must be changed before anything else. (Lockout itself is django-axes'.)"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import log_security_event
from .middleware import client_address
from .models import ADMINISTRATOR_ROLES, ApiToken, PasswordRecord, SecurityEvent, UserProfile

SIGNED_IN_AT, SEEN_AT, PASSWORD_CHECKED = "heluo_signed_in_at", "heluo_seen_at", "heluo_password_checked"
# Pages a user may reach before the second factor or a new password: those steps themselves and signing out.
OPEN_URL_NAMES = ("web:login", "web:logout", "web:two_factor", "web:password_change", "set_language")


@receiver(user_logged_in, dispatch_uid="heluo-signin")
def _signed_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = request.session[SEEN_AT] = now
    log_security_event(SecurityEvent.Kind.SIGN_IN, user=user, address=client_address(request) if request else None)


@receiver(user_logged_out, dispatch_uid="heluo-signout")
def _signed_out(sender, request, user, **kwargs):
    if user is not None and not getattr(request, "_heluo_timed_out", False):
        log_security_event(SecurityEvent.Kind.SIGN_OUT, user=user, address=client_address(request) if request else None)


@receiver(user_login_failed, dispatch_uid="heluo-signin-failed")
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    name = str(credentials.get("username", ""))[:150]
    log_security_event(SecurityEvent.Kind.SIGN_IN_FAILED, user_name=name, address=client_address(request) if request else None)


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="heluo-first-password")
def _first_password(sender, instance, created, raw=False, **kwargs):
    """The password an account is created with (Django's create_user sets it without the validators' hook)
    starts its history and its age."""
    if created and not raw and instance.has_usable_password() and not PasswordRecord.objects.filter(user=instance).exists():
        PasswordRecord.objects.create(user=instance, password=instance.password)


@receiver(post_save, sender=ApiToken, dispatch_uid="heluo-token-issued")
def _token_issued(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        detail = {"prefix": instance.prefix, "name": instance.name, "write": instance.write_enabled}
        log_security_event(SecurityEvent.Kind.TOKEN_ISSUED, user=instance.user, detail=detail)


@receiver(post_delete, sender=ApiToken, dispatch_uid="heluo-token-revoked")
def _token_revoked(sender, instance, **kwargs):
    log_security_event(
        SecurityEvent.Kind.TOKEN_REVOKED, user_name=instance.user.username, detail={"prefix": instance.prefix, "name": instance.name}
    )


@receiver(post_save, sender=UserProfile, dispatch_uid="heluo-admin-site-access")
def _admin_site_access(sender, instance, raw=False, **kwargs):
    """The admin site is where the three administrators work: their accounts reach it, nobody else's does
    (the superuser, for installing, excepted)."""
    user = instance.user
    wanted = user.is_superuser or instance.role in ADMINISTRATOR_ROLES
    if not raw and user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])


def _connect_lockout():
    from axes.signals import user_locked_out

    @receiver(user_locked_out, dispatch_uid="heluo-locked-out", weak=False)
    def _locked_out(sender, request, username, ip_address, **kwargs):
        log_security_event(SecurityEvent.Kind.LOCKED_OUT, user_name=str(username or "")[:150], address=ip_address)


_connect_lockout()


def role_of(user) -> str:
    profile = getattr(user, "profile", None)
    return "superuser" if user.is_superuser else (profile.role if profile else "")


def needs_second_factor(user) -> bool:
    """Whether this user signs in with a second factor: its role requires one, or it has set one up."""
    from django_otp import user_has_device

    roles = settings.HELUO_2FA_ROLES
    return "all" in roles or role_of(user) in roles or user_has_device(user, confirmed=True)


def password_expired(user) -> bool:
    days = settings.HELUO_PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    last = PasswordRecord.objects.filter(user=user).values_list("changed", flat=True).first() or user.date_joined
    return (timezone.now() - last).days >= days


class SignInPolicyMiddleware:
    """For a signed-in web session: the idle and absolute time-outs, then the second factor, then the password's
    age. The API is token-only and not concerned."""

    def __init__(self, get_response):
        self.get_response = get_response
        self._open_paths = None

    def open_paths(self):
        if self._open_paths is None:
            self._open_paths = tuple(reverse(name) for name in OPEN_URL_NAMES)
        return self._open_paths

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or request.path.startswith(("/api/", "/" + settings.STATIC_URL.lstrip("/"))):
            return self.get_response(request)
        if response := self._timed_out(request):
            return response
        if request.path not in self.open_paths():
            # is_verified() reads the session; the device and password look-ups run only until they pass
            if not user.is_verified() and needs_second_factor(user):
                return redirect(f"{reverse('web:two_factor')}?{urlencode({'next': request.get_full_path()})}")
            if not request.session.get(PASSWORD_CHECKED):
                if password_expired(user):
                    messages.warning(request, _("Your password has expired. Please choose a new one."))
                    return redirect("web:password_change")
                request.session[PASSWORD_CHECKED] = True
        return self.get_response(request)

    def _timed_out(self, request):
        session, now = request.session, int(time.time())
        signed_in, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
        if signed_in is None:  # a session from before these rules: start counting now
            session[SIGNED_IN_AT] = session[SEEN_AT] = now
            return None
        idle = now - (seen or signed_in) > settings.HELUO_SESSION_IDLE_MINUTES * 60
        too_long = now - signed_in > settings.HELUO_SESSION_MAX_HOURS * 3600
        if idle or too_long:
            log_security_event(
                SecurityEvent.Kind.SESSION_EXPIRED,
                user=request.user,
                detail={"why": "idle" if idle else "maximum"},
                address=client_address(request),
            )
            request._heluo_timed_out = True
            logout(request)
            messages.info(request, _("Your session has timed out. Please sign in again."))
            return redirect(f"{reverse('web:login')}?{urlencode({'next': request.get_full_path()})}")
        if now - (seen or 0) > 60:  # the session is written at most once a minute for this
            session[SEEN_AT] = now
        return None
