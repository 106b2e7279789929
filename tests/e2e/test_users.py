"""GET /users/, GET /users/profile, POST /users/profile."""
import json

from conftest import assert_detail, assert_empty, assert_validation


def read_profile(server, username):
    return json.loads((server.user_data / f"{username}.json").read_text())


def test_get_user(server, make_user):
    user = make_user()
    r = server.get("/users/", headers=user.auth)
    assert r.status_code == 200, r.text
    assert r.json() == {"username": user["username"], "email": user["email"], "verified": "True"}


def test_each_token_sees_its_own_user(server, make_user):
    alice, bob = make_user(), make_user()
    assert server.get("/users/", headers=alice.auth).json()["username"] == alice["username"]
    assert server.get("/users/", headers=bob.auth).json()["username"] == bob["username"]
    assert server.get("/users/profile", headers=bob.auth).json()["username"] == bob["username"]


def test_get_profile(server, make_user):
    user = make_user()
    r = server.get("/users/profile", headers=user.auth)
    assert r.status_code == 200, r.text
    # The first implementation's keys, nothing else (issue 9).
    assert r.json() == {"username": user["username"], "affiliation": user["affiliation"],
                        "first_name": user["first_name"], "last_name": user["last_name"]}
    # Opt-in: the account's e-mail and verification as well.
    r = server.get("/users/profile?account=true", headers=user.auth)
    assert r.status_code == 200, r.text
    profile = r.json()
    assert profile["email"] == user["email"] and profile["verified"] is True
    assert set(profile) == {"username", "affiliation", "first_name", "last_name", "email", "verified"}
    assert "email" not in server.get("/users/profile?account=false", headers=user.auth).json()
    assert_validation(server.get("/users/profile?account=maybe", headers=user.auth),
                      [(["query", "account"], "type_error.bool")])


def test_update_profile_keeps_extra_keys(server, make_user):
    user = make_user()
    body = {"username": user["username"], "affiliation": "New Lab", "first_name": "Grace",
            "homepage": "https://example.org/~grace", "orcid": "0000-0002-1825-0097",
            "nested": {"team": ["a", "b"], "size": 2}}
    r = server.post("/users/profile", headers=user.auth, json=body)
    assert_empty(r)
    stored = read_profile(server, user["username"])
    for key, value in body.items():
        assert stored[key] == value, key
    profile = server.get("/users/profile", headers=user.auth).json()
    assert profile["affiliation"] == "New Lab"
    assert profile["first_name"] == "Grace"
    assert profile["homepage"] == body["homepage"]
    assert profile["nested"] == body["nested"]
    assert "email" not in profile and "verified" not in profile
    # the database is not touched by a profile edit
    assert server.user_row(user["username"])["email"] == user["email"]


def test_update_profile_without_optional_names(server, make_user):
    user = make_user()
    r = server.post("/users/profile", headers=user.auth,
                    json={"username": user["username"], "affiliation": "Solo"})
    assert r.status_code == 200, r.text
    assert read_profile(server, user["username"])["affiliation"] == "Solo"


def test_update_profile_cannot_touch_another_user(server, make_user):
    victim, attacker = make_user(), make_user()
    victim_file = server.user_data / f"{victim['username']}.json"
    victim_bytes = victim_file.read_bytes()
    r = server.post("/users/profile", headers=attacker.auth,
                    json={"username": victim["username"], "affiliation": "Hacked",
                          "first_name": "Mallory"})
    assert_empty(r)
    assert victim_file.read_bytes() == victim_bytes
    mine = read_profile(server, attacker["username"])
    assert mine["username"] == attacker["username"]
    assert mine["affiliation"] == "Hacked" and mine["first_name"] == "Mallory"
    profile = server.get("/users/profile", headers=victim.auth).json()
    assert profile["affiliation"] == victim["affiliation"]


def test_update_profile_unsafe_username_in_body(server, make_user):
    """The body's username is ignored, as with another user's name: the caller's own profile is
    updated (the first implementation's empty 200) and no file is made from the name."""
    user = make_user()
    before = sorted(p.name for p in server.data_dir.rglob("*"))
    outside = sorted(p.name for p in server.data_dir.parent.iterdir())
    for i, name in enumerate(("../evil", "/tmp/evil", "../../evil", "sub/evil")):
        r = server.post("/users/profile", headers=user.auth,
                        json={"username": name, "affiliation": f"Evil {i}"})
        assert_empty(r)
        profile = read_profile(server, user["username"])
        assert profile["username"] == user["username"], name
        assert profile["affiliation"] == f"Evil {i}", name
    assert sorted(p.name for p in server.data_dir.rglob("*")) == before
    assert sorted(p.name for p in server.data_dir.parent.iterdir()) == outside


def test_update_profile_validation(server, make_user, unchanged):
    user = make_user()
    with unchanged(server):
        r = server.post("/users/profile", headers=user.auth,
                        json={"username": user["username"], "first_name": "X"})
        assert_validation(r, [(["body", "affiliation"], "value_error.missing")])
        r = server.post("/users/profile", headers=user.auth, json={})
        assert_validation(r, [(["body", "affiliation"], "value_error.missing")])
        r = server.post("/users/profile", headers=user.auth,
                        json={"username": user["username"], "affiliation": [5]})
        assert_validation(r, [(["body", "affiliation"], "type_error.str")])
        r = server.post("/users/profile", headers=user.auth, json=["affiliation"])
        assert r.status_code == 422, r.text
        r = server.post("/users/profile", headers={**user.auth,
                        "Content-Type": "application/json"}, data=b'{"affiliation": ')
        items = assert_validation(r, [])
        assert any(i["type"] == "value_error.jsondecode" for i in items), items


def test_profile_routes_need_auth(server, make_user, unchanged):
    user = make_user()
    with unchanged(server):
        r = server.post("/users/profile", json={"username": user["username"],
                                                "affiliation": "anon"})
        assert_detail(r, 401, "Not authenticated")
        r = server.get("/users/profile")
        assert_detail(r, 401, "Not authenticated")
