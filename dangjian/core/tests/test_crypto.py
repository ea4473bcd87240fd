import pytest
from cryptography.fernet import Fernet

from dangjian.core.crypto import EncryptedTextField, Undecryptable, decrypt, encrypt, lookup_hash


def test_encrypted_value_round_trips_and_hides_the_plaintext():
    token = encrypt("110101199003070016")
    assert "110101199003070016" not in token
    assert decrypt(token) == "110101199003070016"


def test_rotated_keys_still_decrypt_old_values(settings):
    old_token = encrypt("13800138000")
    settings.FIELD_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.FIELD_ENCRYPTION_KEYS,
    ]
    assert decrypt(old_token) == "13800138000"


def test_a_foreign_key_cannot_decrypt(settings):
    token = encrypt("secret")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ValueError):
        decrypt(token)


def test_lookup_hash_is_keyed_and_normalised(settings):
    first = lookup_hash(" 11010119900307001x ")
    assert first == lookup_hash("11010119900307001X")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert lookup_hash("11010119900307001X") != first


def test_encrypted_field_stores_ciphertext_and_reads_plaintext():
    field = EncryptedTextField()
    stored = field.get_prep_value("北京市东城区")
    assert stored != "北京市东城区"
    assert field.from_db_value(stored, None, None) == "北京市东城区"
    assert field.get_prep_value("") == ""


def test_an_undecryptable_value_reads_as_a_notice_and_saves_back_unchanged(settings):
    field = EncryptedTextField()
    stored = field.get_prep_value("13800138000")
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    value = field.from_db_value(stored, None, None)
    assert isinstance(value, Undecryptable)
    assert value == "（无法解密）"
    assert field.get_prep_value(value) == stored
