from django.core.management.base import BaseCommand

from booking.services.holds import holds_expire


class Command(BaseCommand):
    help = "Mark lapsed holds expired and take their stops off the routes (capacity is freed on read anyway)."

    def handle(self, *args, **options):
        count = holds_expire()
        self.stdout.write(f"{count} lapsed hold(s) marked expired.")
