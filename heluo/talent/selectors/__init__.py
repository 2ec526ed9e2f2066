"""Talent programmes' reads, each scoped with `Model.objects.restrict(user, VIEW)`."""
