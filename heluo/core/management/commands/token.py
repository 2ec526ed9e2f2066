"""API tokens from the command line.

heluo token create USERNAME [--name N] [--read-only]   prints the new key (shown only this once)
heluo token list [USERNAME]                            prefix, user, name, mode, last use
heluo token revoke PREFIX                              deletes the token(s) with that key prefix
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from heluo.core.models import ApiToken


class Command(BaseCommand):
    help = "Create, list or revoke REST API tokens (Authorization: Bearer <key>)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print its key.")
        create.add_argument("username")
        create.add_argument("--name", default="", help="What the token is for.")
        create.add_argument("--read-only", action="store_true", help="The token may read but not write.")
        listing = sub.add_parser("list", help="List tokens (never their keys).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Delete the token(s) whose key starts with PREFIX.")
        revoke.add_argument("prefix")

    def handle(self, *args, action, **options):
        getattr(self, f"do_{action}")(**options)

    def do_create(self, username, name="", read_only=False, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        token, key = ApiToken.issue(user, name=name, write_enabled=not read_only)
        mode = "read-only" if read_only else "read-write"
        self.stderr.write(f"Token {token.prefix}… for {username} ({mode}). The key is shown only now:")
        self.stdout.write(key)

    def do_list(self, username=None, **options):
        qs = ApiToken.objects.select_related("user").order_by("user__username", "created")
        if username:
            qs = qs.filter(user__username=username)
        for t in qs:
            mode = "rw" if t.write_enabled else "ro"
            last = t.last_used.isoformat(timespec="seconds") if t.last_used else "never"
            self.stdout.write(f"{t.prefix}\t{t.user.username}\t{mode}\t{t.name}\tlast used {last}")

    def do_revoke(self, prefix, **options):
        tokens = list(ApiToken.objects.filter(prefix=prefix).select_related("user"))
        for token in tokens:
            token.delete()
        deleted = len(tokens)
        if not deleted:
            raise CommandError(f"No token with prefix {prefix!r}.")
        self.stdout.write(f"Revoked {deleted} token(s).")
