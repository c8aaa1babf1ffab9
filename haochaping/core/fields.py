"""Model fields that keep citizens' identifiers encrypted at rest (see core/crypto.py).

``EncryptedCharField`` is a drop-in CharField: Python code sees plaintext, the database holds
``enc1:<key id>:<AES-SIV token>``. ``max_length`` is the plaintext's limit (forms, validators);
the column is sized for the ciphertext. Equality look-ups work because the encryption is
deterministic; while more than one key is configured (during a rotation) ``exact`` and ``in``
match the value under every key. Range and pattern look-ups (``startswith``, ``contains``,
ordering by value) have no meaning on ciphertext and are refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models.lookups import Exact, In, IsNull
from django.utils.datastructures import DictWrapper

from haochaping.core import crypto


class EncryptedExact(Exact):
    def as_sql(self, compiler, connection):
        if self.rhs_is_direct_value() and isinstance(self.rhs, str) and self.rhs:
            values = crypto.encrypt_all_keys(self.rhs)
            if len(values) > 1:
                lhs_sql, lhs_params = self.process_lhs(compiler, connection)
                marks = ", ".join(["%s"] * len(values))
                return f"{lhs_sql} IN ({marks})", (*lhs_params, *values)
        return super().as_sql(compiler, connection)


class EncryptedIn(In):
    def get_prep_lookup(self):
        prepared = super().get_prep_lookup()
        if not self.rhs_is_direct_value():
            return prepared
        return [
            stored
            for value in prepared
            for stored in (crypto.encrypt_all_keys(value) if isinstance(value, str) else [value])
        ]


class EncryptedCharField(models.CharField):
    description = "Text encrypted at rest (AES-SIV)"
    allowed_lookups = {"exact": EncryptedExact, "in": EncryptedIn, "isnull": IsNull}

    def get_lookup(self, lookup_name):
        return self.allowed_lookups.get(lookup_name)

    def get_transform(self, lookup_name):
        return None

    def db_type_parameters(self, connection):
        """The column is sized for the ciphertext of ``max_length`` characters."""
        params = {**self.__dict__, "max_length": crypto.stored_length(self.max_length or 255)}
        return DictWrapper(params, connection.ops.quote_name, "qn_")

    def get_db_prep_value(self, value, connection, prepared=False):
        value = super().get_db_prep_value(value, connection, prepared)
        if isinstance(value, str):
            return crypto.encrypt(value)
        return value

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return crypto.decrypt(value)
        return value

    def bulk_db_prep(self) -> Callable[[Any], Any]:
        """What ``get_db_prep_value`` does to a str, as one function for many values (the bulk
        import): the key is looked up once."""
        return crypto.encrypter()
