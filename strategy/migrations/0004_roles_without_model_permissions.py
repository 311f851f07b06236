from django.db import migrations

from core.roles import create_role_groups_in_migration


class Migration(migrations.Migration):
    """The policy alone decides what a role may do: the role groups lose their model permissions."""

    dependencies = [
        ("strategy", "0003_history_and_version"),
    ]

    operations = [migrations.RunPython(create_role_groups_in_migration, migrations.RunPython.noop)]
