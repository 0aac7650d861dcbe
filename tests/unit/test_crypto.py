from cryptography.fernet import Fernet

from checkout import crypto


def test_round_trip_and_ciphertext_hides_the_secret(make_app):
    app = make_app()
    with app.app_context():
        token = crypto.encrypt("SB-Mid-server-SECRETVALUE")
        assert "SECRETVALUE" not in token
        assert crypto.decrypt(token) == "SB-Mid-server-SECRETVALUE"


def test_rotation_with_multifernet(make_app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = make_app(CHECKOUT_ENCRYPTION_KEY=old)
    with app.app_context():
        token = crypto.encrypt("secret")
    app.config["CHECKOUT_ENCRYPTION_KEY"] = f"{new},{old}"
    with app.app_context():
        assert crypto.decrypt(token) == "secret"
        rotated = crypto.rotate(token)
    app.config["CHECKOUT_ENCRYPTION_KEY"] = new
    with app.app_context():
        assert crypto.decrypt(rotated) == "secret"


def test_mask_shows_only_prefix_and_tail():
    assert crypto.mask("SB-Mid-server-abcdefghAB12") == "SB-Mid-server-••••AB12"
    assert crypto.mask("SB-Mid-server-ab") == "SB-Mid-server-••••"
    assert crypto.mask("") == ""
