"""Admin pages and inlines of records written only by services."""


class ReadOnlyAdminMixin:
    """Records written only by services: shown, never added, edited or deleted here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
