from argon2 import Type, extract_parameters

from course.accounts.passwords import hash_password, verify_password


def test_hash_is_argon2id_at_owasp_parameters():
    parameters = extract_parameters(hash_password("s3cret-words"))
    assert parameters.type is Type.ID
    assert parameters.memory_cost == 19 * 1024
    assert parameters.time_cost == 2
    assert parameters.parallelism == 1


def test_verify_accepts_only_the_right_password():
    stored = hash_password("s3cret-words")
    assert verify_password(stored, "s3cret-words")
    assert not verify_password(stored, "s3cret-wordz")
    assert not verify_password(None, "anything")
    assert not verify_password("not-a-hash", "anything")
