"""The second sign-in step: enter the code of one's authenticator app, or set one up first."""

from __future__ import annotations

from base64 import b32encode

import segno
from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from heluo.core.audit import log_security_event
from heluo.core.models import SecurityEvent

from ..forms import bootstrapify
from .generic import ensure_login


class CodeForm(forms.Form):
    code = forms.RegexField(
        regex=r"^\s*\d{6}\s*$",
        label=gettext_lazy("Six-digit code"),
        error_messages={"invalid": gettext_lazy("Enter the six digits your authenticator app shows.")},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


def _next_url(request):
    url = request.POST.get("next") or request.GET.get("next") or ""
    return url if url_has_allowed_host_and_scheme(url, {request.get_host()}, require_https=request.is_secure()) else "/"


def two_factor(request):
    """Verify with the confirmed device; without one, set one up (shown as a QR code and as a key to type)."""
    if response := ensure_login(request):
        return response
    user = request.user
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
            user=user, name="authenticator", confirmed=False
        )
    form = bootstrapify(CodeForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        allowed, _why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"].strip()):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                log_security_event(SecurityEvent.Kind.OTP_ENROLLED, user=user)
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in confirmed."))
            return redirect(_next_url(request))
        log_security_event(SecurityEvent.Kind.OTP_FAILED, user=user)
        form.add_error(
            "code", _("The code is wrong or has expired.") if allowed else _("Too many wrong codes. Wait a moment and try again.")
        )
    context = {"form": form, "enrolling": enrolling, "next": _next_url(request)}
    if enrolling:
        context["secret"] = b32encode(device.bin_key).decode()
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=4, omitsize=False)
    return render(request, "web/two_factor.html", context)


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows instead of the sign-in page while an account is locked (HTTP 429)."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "web/locked_out.html", {"cooloff_minutes": minutes}, status=429)
