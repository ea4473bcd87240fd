from dangjian.core.permissions import ROLES


def sync_builtin_roles(**kwargs) -> None:
    """Make the built-in Role rows match the catalogue in code (runs after every migrate)."""
    from dangjian.accounts.models import Role

    for spec in ROLES:
        Role.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": str(spec.name),
                "permissions": sorted(spec.permissions),
                "requires_2fa": spec.requires_2fa,
                "separation_of_duties": spec.separation_of_duties,
                "builtin": True,
            },
        )
