from django.contrib import admin
from django.http import HttpRequest

from .models import AccessGrant, Alliance, Participant, Partner, Round


class PartnerInline(admin.TabularInline):
    model = Partner
    extra = 0


class AccessGrantInline(admin.TabularInline):
    model = AccessGrant
    extra = 0


@admin.register(Alliance)
class AllianceAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "current_phase", "stage", "anonymity_threshold"]
    inlines = [PartnerInline, AccessGrantInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "level", "language"]
    list_filter = ["partner__alliance", "level"]

    def has_delete_permission(self, request: HttpRequest, obj: Participant | None = None) -> bool:
        # Erasing goes through the participant's page in the app, which
        # records the choice for the answers and blurs their times.
        return False


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["alliance", "number", "title", "state", "instrument_id", "instrument_version"]
    readonly_fields = ["instrument_id", "instrument_version", "opened_at", "closed_at"]
