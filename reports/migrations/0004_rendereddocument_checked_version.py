"""A stored PDF keeps the content version it was last found current for; queued and failed are per version."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0003_annual_report'),
    ]

    operations = [
        migrations.AddField(
            model_name='rendereddocument',
            name='checked_version',
            field=models.CharField(blank=True, max_length=64, verbose_name='actueel bevonden voor'),
        ),
        # Both held a fingerprint; from now on a content version. An old value matches no version,
        # so a document queued or failed before the upgrade is simply asked for again.
        migrations.RenameField(
            model_name='rendereddocument',
            old_name='queued_fingerprint',
            new_name='queued_version',
        ),
        migrations.RenameField(
            model_name='rendereddocument',
            old_name='failed_fingerprint',
            new_name='failed_version',
        ),
    ]
