from django.db import migrations

from core.roles import create_role_groups_in_migration


class Migration(migrations.Migration):
    dependencies = [
        ("strategy", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_role_groups_in_migration, migrations.RunPython.noop)]
