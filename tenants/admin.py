import functools

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from booking.admin import ReadOnlyAdminMixin
from greenslot.text import no_bidi_controls

from .keys import api_key_create, api_key_revoke
from .models import ApiKey, ApiKeyKind, Retailer
from .origins import origin_normalised


class RetailerForm(forms.ModelForm):
    allowed_origins = forms.CharField(
        label="Allowed origins",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "spellcheck": "false"}),
        help_text=(
            "The shops allowed to embed the widget, one per line, e.g. https://shop.example.com. "
            "Saved as browsers send them: lower case, no path, no trailing slash, no default port."
        ),
    )

    class Meta:
        model = Retailer
        fields = ("name", "slug", "currency", "allowed_origins")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["allowed_origins"] = "\n".join(self.instance.allowed_origins or [])

    def clean_allowed_origins(self) -> list[str]:
        """One origin per line, each normalised (``https://Shop.example/`` becomes
        ``https://shop.example``), repeats dropped; every bad line is named with its reason."""
        lines = (self.cleaned_data.get("allowed_origins") or "").splitlines()
        origins, errors = [], []
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                origins.append(origin_normalised(line))
            except ValueError as error:
                errors.append(forms.ValidationError(f"Line {number}: {error}", code="bad_origin"))
        if errors:
            raise forms.ValidationError(errors)
        return list(dict.fromkeys(origins))


class BadKeyKind(Exception):
    pass


def bad_kind_answers_400(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except BadKeyKind:
            return HttpResponseBadRequest("key_kind must be one of: " + ", ".join(ApiKeyKind.values))

    return wrapped


class ApiKeyInline(ReadOnlyAdminMixin, admin.TabularInline):
    """A retailer's keys by prefix: never their secret (only its SHA-256 is kept). Each active key
    has a Revoke button; new keys are made with the buttons below the list."""

    model = ApiKey
    fields = ("prefix", "kind", "label", "created", "state", "revoke")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("tenants.view_retailer") or request.user.has_perm(
            "tenants.change_retailer"
        )

    # Keys belong to a retailer, not a depot: their instants are shown in UTC, and say so.
    @admin.display(description="created")
    def created(self, key):
        return f"{key.created_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="state")
    def state(self, key):
        return "active" if key.is_active else f"revoked {key.revoked_at:%Y-%m-%d %H:%M} UTC"

    @admin.display(description="")
    def revoke(self, key):
        if not key.is_active:
            return ""
        # A button of the page's own form (nested forms are not HTML) that posts to the revoke URL.
        url = reverse("admin:tenants_retailer_key_revoke", args=[key.retailer_id, key.pk])
        return format_html(
            '<button type="submit" class="button" formaction="{}" formnovalidate '
            'aria-label="Revoke {}">Revoke</button>',
            url,
            key.prefix,
        )


@admin.register(Retailer)
class RetailerAdmin(admin.ModelAdmin):
    form = RetailerForm
    list_display = ("name", "slug", "currency", "active_keys", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("currency",)
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at",)
    inlines = (ApiKeyInline,)
    change_form_template = "admin/tenants/retailer/change_form.html"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(keys_active=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True)))
        )

    @admin.display(description="active keys", ordering="keys_active")
    def active_keys(self, retailer):
        return retailer.keys_active

    def get_urls(self):
        keys = [
            path(
                "<int:retailer_id>/keys/create/",
                self.admin_site.admin_view(self.key_create_view),
                name="tenants_retailer_key_create",
            ),
            path(
                "<int:retailer_id>/keys/rotate/",
                self.admin_site.admin_view(self.key_rotate_view),
                name="tenants_retailer_key_rotate",
            ),
            path(
                "<int:retailer_id>/keys/<int:key_id>/revoke/",
                self.admin_site.admin_view(self.key_revoke_view),
                name="tenants_retailer_key_revoke",
            ),
        ]
        return keys + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "key_kinds": ApiKeyKind.choices}
        return super().change_view(request, object_id, form_url, extra_context)

    def _retailer_for_keys(self, request, retailer_id: int) -> Retailer:
        """The retailer whose keys this request may change: POST only, with the change permission."""
        retailer = get_object_or_404(Retailer, pk=retailer_id)
        if not self.has_change_permission(request, retailer):
            raise PermissionDenied
        return retailer

    def _posted_kind(self, request) -> str:
        kind = request.POST.get("key_kind", "")
        if kind not in ApiKeyKind.values:
            raise BadKeyKind
        return kind

    def _key_shown_once(
        self, request, retailer: Retailer, created: list[tuple[ApiKey, str]], revoked: list[ApiKey]
    ):
        for key, _ in created:
            self.log_change(request, retailer, f"Created {key.get_kind_display().lower()} key {key.prefix}…")
        for key in revoked:
            self.log_change(request, retailer, f"Revoked key {key.prefix}…")
        response = TemplateResponse(
            request,
            "admin/tenants/retailer/key_created.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "original": retailer,
                "title": f"New key for {retailer.name}",
                "created": created,
                "revoked": revoked,
                "back": reverse("admin:tenants_retailer_change", args=[retailer.pk]),
            },
        )
        # The secret is in this page only: no cache, no back-button copy.
        response["Cache-Control"] = "no-store"
        return response

    @method_decorator(require_POST)
    @method_decorator(bad_kind_answers_400)
    def key_create_view(self, request, retailer_id: int):
        retailer = self._retailer_for_keys(request, retailer_id)
        kind = self._posted_kind(request)
        label = (
            request.POST.get("key_label", "").strip() or f"made in the admin by {request.user.get_username()}"
        )
        try:
            no_bidi_controls(label)
        except ValidationError as refused:
            messages.error(request, f"Key label: {' '.join(refused.messages)} No key was made.")
            return redirect("admin:tenants_retailer_change", retailer.pk)
        created = api_key_create(retailer=retailer, kind=kind, label=label)
        return self._key_shown_once(request, retailer, [created], [])

    @method_decorator(require_POST)
    @method_decorator(bad_kind_answers_400)
    def key_rotate_view(self, request, retailer_id: int):
        """A new key of the kind, and every other active key of that kind revoked at once (after a
        leak). For a rotation without downtime, create a key, deploy it, then revoke the old one."""
        retailer = self._retailer_for_keys(request, retailer_id)
        kind = self._posted_kind(request)
        with transaction.atomic():
            old = list(ApiKey.objects.filter(retailer=retailer, kind=kind, revoked_at__isnull=True))
            created = api_key_create(retailer=retailer, kind=kind, label="rotated in the admin")
            revoked = [api_key_revoke(key=key) for key in old]
        return self._key_shown_once(request, retailer, [created], revoked)

    @method_decorator(require_POST)
    def key_revoke_view(self, request, retailer_id: int, key_id: int):
        retailer = self._retailer_for_keys(request, retailer_id)
        key = get_object_or_404(ApiKey, pk=key_id, retailer=retailer)
        api_key_revoke(key=key)
        self.log_change(request, retailer, f"Revoked key {key.prefix}…")
        self.message_user(request, f"Revoked key {key.prefix}…: it stops working now.", messages.SUCCESS)
        return redirect(reverse("admin:tenants_retailer_change", args=[retailer.pk]))
