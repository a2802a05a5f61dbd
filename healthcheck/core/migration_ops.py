"""Migration operations of the core app that other apps' migrations use.

:class:`EncryptedColumnsToBinary` moves a database written before encrypted fields were stored
in binary columns (the ``e1:<key id>:<base64>`` text format) to the binary format. Only the
framing changes, so it needs no key and no value is decrypted. A database created after the
change already has binary columns; the operation then finds nothing to do.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.migrations.operations.base import Operation

from healthcheck.core.fields import EncryptedMixin, binary_from_text_token

BATCH = 500


class EncryptedColumnsToBinary(Operation):
    """Alter every encrypted column of the app's models to binary and re-frame its values.

    Idempotent: binary columns are left as they are, and values already in the binary format are
    not touched. Irreversible (the text format is not written any more).
    """

    reversible = False
    reduces_to_sql = False

    def state_forwards(self, app_label: str, state: Any) -> None:
        """The model state does not change: only the column type the fields ask for did."""

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        for model in to_state.apps.get_app_config(app_label).get_models():
            fields = [f for f in model._meta.local_concrete_fields if isinstance(f, EncryptedMixin)]
            if fields and self.allow_migrate_model(schema_editor.connection.alias, model):
                for field in fields:
                    _alter_to_binary(schema_editor, model, field)
                convert_values(schema_editor.connection, model, fields)

    def database_backwards(self, *args: Any) -> None:
        raise NotImplementedError("encrypted columns are not converted back to the text format")

    def describe(self) -> str:
        return "Store the encrypted columns of this app as binary"


def _alter_to_binary(schema_editor: Any, model: type[models.Model], field: EncryptedMixin) -> None:
    connection = schema_editor.connection
    table = model._meta.db_table
    with connection.cursor() as cursor:
        columns = {c.name: c for c in connection.introspection.get_table_description(cursor, table)}
    column = columns[field.column]
    if connection.introspection.get_field_type(column.type_code, column) == "BinaryField":
        return
    # The column as it was: text (or varchar) holding ASCII tokens. On PostgreSQL Django casts
    # with USING column::bytea (the tokens hold no backslash, so the bytes are the ASCII text);
    # SQLite rebuilds the table and keeps the text values, converted below.
    old = models.TextField(null=field.null, blank=field.blank)
    old.set_attributes_from_name(field.name)
    old.model = model
    schema_editor.alter_field(model, old, field, strict=False)


def convert_values(connection: Any, model: type[models.Model], fields: list[EncryptedMixin]) -> int:
    """Re-frame every text-format value of ``fields`` in ``model``'s table. Returns the count."""
    qn = connection.ops.quote_name
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    columns = [qn(f.column) for f in fields]
    # Identifiers come from the model's own metadata, quoted by the backend; values are params.
    select = (
        f"SELECT {pk}, {', '.join(columns)} FROM {table} "  # noqa: S608
        f"WHERE {pk} > %s ORDER BY {pk} LIMIT {BATCH}"
    )
    converted, last = 0, 0  # integer primary keys (DEFAULT_AUTO_FIELD) start at 1
    with connection.cursor() as cursor:
        while True:
            cursor.execute(select, [last])
            rows = cursor.fetchall()
            if not rows:
                return converted
            for pk_value, *values in rows:
                changed = [
                    (column, binary_from_text_token(value))
                    for column, value in zip(columns, values, strict=True)
                    if _is_text_format(value)
                ]
                if changed:
                    assignments = ", ".join(f"{column} = %s" for column, _ in changed)
                    cursor.execute(
                        f"UPDATE {table} SET {assignments} WHERE {pk} = %s",  # noqa: S608
                        [*(value for _, value in changed), pk_value],
                    )
                    converted += len(changed)
            last = rows[-1][0]


def _is_text_format(value: Any) -> bool:
    if isinstance(value, str):
        return True  # SQLite keeps the rebuilt table's text values as text
    return isinstance(value, bytes | memoryview) and bytes(value[:3]) == b"e1:"
