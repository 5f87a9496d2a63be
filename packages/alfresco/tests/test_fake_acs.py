"""The fake Alfresco repository itself, driven with plain httpx: what it stores, what it
refuses and how, its authentication, and that a request off the API documents fails the
test that sent it."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import FakeRepository

Json = dict[str, Any]
HERE = Path(__file__).resolve().parent


@pytest.fixture
def api(acs: FakeRepository) -> Iterator[httpx.Client]:
    """The core API as the administrator."""
    with httpx.Client(base_url=acs.core_url, auth=(acs.username, acs.password)) as client:
        yield client


def _entry(response: httpx.Response, status: int = 200) -> Json:
    assert response.status_code == status, response.text
    entry: Json = response.json()["entry"]
    return entry


def _error(response: httpx.Response, status: int) -> Json:
    assert response.status_code == status, response.text
    error: Json = response.json()["error"]
    assert error["statusCode"] == status
    assert {"briefSummary", "stackTrace", "descriptionURL", "errorKey"} <= set(error)
    return error


def _folder(api: httpx.Client, name: str, parent: str = "-root-", **extra: Any) -> Json:
    body = {"name": name, "nodeType": "cm:folder", **extra}
    return _entry(api.post(f"/nodes/{parent}/children", json=body), 201)


def _upload(api: httpx.Client, parent: str, name: str, data: bytes, **form: str) -> Json:
    files = {"filedata": (name, data, "text/plain")}
    return _entry(api.post(f"/nodes/{parent}/children", files=files, data=form), 201)


def _search(acs: FakeRepository, query: str, language: str = "afts", **extra: Any) -> list[str]:
    body = {"query": {"query": query, "language": language}, **extra}
    response = httpx.post(acs.search_url, json=body, auth=(acs.username, acs.password))
    assert response.status_code == 200, response.text
    return sorted(e["entry"]["name"] for e in response.json()["list"]["entries"])


# --------------------------------------------------------------------------- the tree


def test_the_tree_starts_as_a_repository_does(acs: FakeRepository, api: httpx.Client) -> None:
    root = _entry(api.get("/nodes/-root-"))
    assert (root["id"], root["name"], root["isFolder"]) == (
        acs.company_home_id,
        "Company Home",
        True,
    )
    assert _entry(api.get("/nodes/-shared-"))["id"] == acs.shared_id
    assert _entry(api.get("/nodes/-my-"))["id"] == acs.company_home_id  # the admin's home
    homes = _entry(api.get("/nodes/-root-", params={"relativePath": "User Homes"}))
    assert homes["id"] == acs.user_homes_id
    sites = _entry(api.get("/nodes/-root-", params={"relativePath": "/Sites", "include": "path"}))
    assert sites["path"]["name"] == "/Company Home"
    assert acs.qname_path(acs.sites_id) == "/app:company_home/st:sites"
    assert acs.qname_path(acs.shared_id) == "/app:company_home/app:shared"
    listing = api.get("/nodes/-root-/children").json()["list"]
    names = [e["entry"]["name"] for e in listing["entries"]]
    assert names == ["Data Dictionary", "Guest Home", "Shared", "Sites", "User Homes"]


def test_a_user_has_a_home_folder(acs: FakeRepository) -> None:
    acs.add_user("hruser", "pw-1")
    home = _entry(httpx.get(f"{acs.core_url}/nodes/-my-", auth=("hruser", "pw-1")))
    assert acs.path_of(home["id"]) == "/Company Home/User Homes/hruser"
    assert acs.qname_path(home["id"]) == "/app:company_home/app:user_homes/cm:hruser"


def test_create_folder_and_file_with_metadata(acs: FakeRepository, api: httpx.Client) -> None:
    folder = _folder(api, "Contracts", properties={"cm:title": "All contracts"})
    assert "cm:titled" in folder["aspectNames"]  # applied with its property, as ACS does
    body = {
        "name": "c1.txt",
        "nodeType": "cm:content",
        "properties": {"cm:description": "first"},
        "aspectNames": ["cm:author"],
    }
    created = _entry(api.post(f"/nodes/{folder['id']}/children", json=body), 201)
    assert created["content"] == {
        "mimeType": "text/plain",
        "mimeTypeName": "Plain Text",
        "sizeInBytes": 0,
        "encoding": "UTF-8",
    }
    node = acs.node_by_path("/Company Home/Contracts/c1.txt")
    assert node.id == created["id"]
    assert node.properties == {"cm:description": "first"}
    assert {"cm:author", "cm:titled"} <= set(node.aspects)
    assert acs.versions(node.id) == []  # JSON creation is unversioned, as in ACS


def test_relative_path_creates_the_folders_on_it(acs: FakeRepository, api: httpx.Client) -> None:
    body = {"name": "leaf", "nodeType": "cm:folder", "relativePath": "a/b"}
    _entry(api.post("/nodes/-root-/children", json=body), 201)
    assert acs.find("/Company Home/a/b/leaf") is not None


def test_a_name_clash_is_409_unless_auto_renamed(acs: FakeRepository, api: httpx.Client) -> None:
    body = {"name": "report.pdf", "nodeType": "cm:content"}
    _entry(api.post("/nodes/-shared-/children", json=body), 201)
    error = _error(api.post("/nodes/-shared-/children", json=body), 409)
    assert "Duplicate child name not allowed: report.pdf" in error["briefSummary"]
    again = api.post("/nodes/-shared-/children", json=body, params={"autoRename": "true"})
    assert _entry(again, 201)["name"] == "report-1.pdf"
    clash = api.post("/nodes/-shared-/children", json={**body, "name": "REPORT.pdf"})
    _error(clash, 409)  # names are unique regardless of case


def test_an_unknown_type_or_aspect_is_400(acs: FakeRepository, api: httpx.Client) -> None:
    body = {"name": "x", "nodeType": "fin:invoice"}
    assert (
        "Unknown type" in _error(api.post("/nodes/-root-/children", json=body), 400)["briefSummary"]
    )
    acs.define_type("fin:invoice", "cm:content")
    assert _entry(api.post("/nodes/-root-/children", json=body), 201)["isFile"] is True


# --------------------------------------------------------------------------- content


def test_upload_and_download(acs: FakeRepository, api: httpx.Client) -> None:
    created = _upload(api, "-shared-", "hello.txt", b"hello world", **{"cm:title": "greeting"})
    assert created["content"]["sizeInBytes"] == 11
    assert created["properties"]["cm:title"] == "greeting"
    assert created["properties"]["cm:versionLabel"] == "1.0"  # multipart: versioned, MAJOR
    assert acs.content(created["id"]) == b"hello world"
    download = api.get(f"/nodes/{created['id']}/content")
    assert download.status_code == 200
    assert download.content == b"hello world"
    assert download.headers["content-type"] == "text/plain"
    assert download.headers["content-disposition"] == 'attachment; filename="hello.txt"'
    part = api.get(f"/nodes/{created['id']}/content", headers={"Range": "bytes=6-"})
    assert (part.status_code, part.content) == (206, b"world")


def test_content_updates_make_versions(acs: FakeRepository, api: httpx.Client) -> None:
    node_id = _upload(api, "-shared-", "v.txt", b"one")["id"]
    octets = {"Content-Type": "application/octet-stream"}
    api.put(f"/nodes/{node_id}/content", content=b"two", headers=octets).raise_for_status()
    updated = api.put(
        f"/nodes/{node_id}/content",
        content=b"three",
        headers=octets,
        params={"majorVersion": "true", "comment": "final", "name": "v2.txt"},
    )
    assert _entry(updated)["name"] == "v2.txt"
    assert [v.label for v in acs.versions(node_id)] == ["1.0", "1.1", "2.0"]
    listing = api.get(f"/nodes/{node_id}/versions").json()["list"]["entries"]
    assert [e["entry"]["id"] for e in listing] == ["2.0", "1.1", "1.0"]
    assert listing[0]["entry"]["versionComment"] == "final"
    assert api.get(f"/nodes/{node_id}/versions/1.1/content").content == b"two"
    reverted = api.post(f"/nodes/{node_id}/versions/1.0/revert", json={"majorVersion": False})
    assert _entry(reverted)["id"] == "2.1"
    assert acs.content(node_id) == b"one"


def test_a_first_update_makes_an_unversioned_file_versioned(
    acs: FakeRepository, api: httpx.Client
) -> None:
    body = {"name": "empty.txt", "nodeType": "cm:content"}
    node_id = _entry(api.post("/nodes/-root-/children", json=body), 201)["id"]
    response = api.put(
        f"/nodes/{node_id}/content",
        content=b"x",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert _entry(response)["properties"]["cm:versionLabel"] == "1.1"
    assert [v.label for v in acs.versions(node_id)] == ["1.0", "1.1"]


def test_uploads_stream_both_ways_and_are_stored_once(
    acs: FakeRepository, api: httpx.Client
) -> None:
    size = 8 * 1024 * 1024 + 7
    piece = bytes(range(256)) * 4096

    def body() -> Iterator[bytes]:  # chunked transfer coding: no Content-Length
        sent = 0
        while sent < size:
            chunk = piece[: size - sent]
            sent += len(chunk)
            yield chunk

    node_id = _upload(api, "-root-", "big.bin", b"")["id"]
    before = acs.store.bytes_on_disk
    response = api.put(
        f"/nodes/{node_id}/content",
        content=body(),
        headers={"Content-Type": "application/octet-stream"},
    )
    assert _entry(response)["content"]["sizeInBytes"] == size
    assert acs.store.bytes_on_disk - before == size
    digest = hashlib.sha256()
    with api.stream("GET", f"/nodes/{node_id}/content") as download:
        for chunk in download.iter_bytes():
            digest.update(chunk)
    assert digest.hexdigest() == acs.node(node_id).blob.sha256  # type: ignore[union-attr]
    copy = _entry(api.post(f"/nodes/{node_id}/copy", json={"targetParentId": acs.shared_id}), 201)
    assert acs.store.bytes_on_disk - before == size  # the copy shares the content
    assert copy["content"]["sizeInBytes"] == size


# --------------------------------------------------------------------------- copy, move


def test_copy_and_move(acs: FakeRepository, api: httpx.Client) -> None:
    source = _folder(api, "src")
    _upload(api, source["id"], "a.txt", b"A")
    target = _folder(api, "dst")
    copied = _entry(
        api.post(f"/nodes/{source['id']}/copy", json={"targetParentId": target["id"]}), 201
    )
    assert acs.content(acs.node_by_path("/Company Home/dst/src/a.txt").id) == b"A"
    assert copied["id"] != source["id"]
    clash = api.post(f"/nodes/{source['id']}/copy", json={"targetParentId": target["id"]})
    _error(clash, 409)
    moved = api.post(
        f"/nodes/{source['id']}/move", json={"targetParentId": acs.shared_id, "name": "moved"}
    )
    assert _entry(moved)["parentId"] == acs.shared_id
    assert acs.find("/Company Home/Shared/moved/a.txt") is not None
    assert acs.find("/Company Home/src") is None
    into_itself = api.post(f"/nodes/{target['id']}/move", json={"targetParentId": copied["id"]})
    _error(into_itself, 400)


# --------------------------------------------------------------------------- locks


def test_locks(acs: FakeRepository, api: httpx.Client) -> None:
    acs.add_user("bob", "pw-bob")
    node_id = _upload(api, "-shared-", "l.txt", b"x")["id"]
    grant = [{"authorityId": "bob", "name": "Coordinator", "accessStatus": "ALLOWED"}]
    api.put(f"/nodes/{node_id}", json={"permissions": {"locallySet": grant}}).raise_for_status()
    locked = api.post(
        f"/nodes/{node_id}/lock",
        json={"type": "ALLOW_OWNER_CHANGES", "lifetime": "PERSISTENT", "timeToExpire": 0},
        params={"include": "isLocked"},
    )
    entry = _entry(locked)
    assert entry["isLocked"] is True
    assert entry["properties"]["cm:lockType"] == "WRITE_LOCK"
    # The owner may change it; another user may not: 409 as ACS maps NodeLockedException.
    api.put(f"/nodes/{node_id}", json={"properties": {"cm:title": "mine"}}).raise_for_status()
    bob = httpx.Client(base_url=acs.core_url, auth=("bob", "pw-bob"))
    refused = _error(bob.put(f"/nodes/{node_id}", json={"properties": {"cm:title": "b"}}), 409)
    assert f"(id:{node_id}) is locked" in refused["briefSummary"]
    _error(bob.delete(f"/nodes/{node_id}"), 409)
    _error(bob.post(f"/nodes/{node_id}/lock", json={}), 422)  # locked by someone else
    _error(bob.post(f"/nodes/{node_id}/unlock"), 422)
    # FULL: not even the owner.
    api.post(f"/nodes/{node_id}/lock", json={"type": "FULL"}).raise_for_status()
    _error(api.put(f"/nodes/{node_id}", json={"name": "renamed.txt"}), 409)
    assert _entry(api.post(f"/nodes/{node_id}/unlock"))["properties"].get("cm:lockType") is None
    _error(api.post(f"/nodes/{node_id}/unlock"), 422)  # not locked
    _error(api.post(f"/nodes/{acs.shared_id}/lock", json={}), 400)  # files only
    acs.locked_status = 423
    acs.lock_node(node_id, lock_type="FULL", time_to_expire=60)
    _error(api.delete(f"/nodes/{node_id}"), 423)
    acs.advance(61)  # the lock expires
    assert api.delete(f"/nodes/{node_id}").status_code == 204


# --------------------------------------------------------------------------- metadata


def test_aspects_properties_and_type(acs: FakeRepository, api: httpx.Client) -> None:
    node_id = _upload(api, "-root-", "m.txt", b"m", **{"cm:title": "t"})["id"]
    acs.define_aspect("rv:reviewable")
    current = _entry(api.get(f"/nodes/{node_id}", params={"fields": "aspectNames"}))
    assert set(current) == {"aspectNames"}  # `fields` trims the answer
    aspects = [*current["aspectNames"], "rv:reviewable"]
    body = {"aspectNames": aspects, "properties": {"rv:status": "open"}}
    _entry(api.put(f"/nodes/{node_id}", json=body))
    assert "rv:reviewable" in acs.node(node_id).aspects
    without = [a for a in aspects if a != "cm:titled"]
    updated = _entry(api.put(f"/nodes/{node_id}", json={"aspectNames": without}))
    assert "cm:title" not in updated["properties"]  # removed with its aspect
    acs.define_type("fin:invoice", "cm:content")
    assert (
        _entry(api.put(f"/nodes/{node_id}", json={"nodeType": "fin:invoice"}))["nodeType"]
        == "fin:invoice"
    )
    _error(api.put(f"/nodes/{node_id}", json={"nodeType": "cm:folder"}), 400)


# --------------------------------------------------------------------------- permissions


def test_permissions_are_set_and_enforced(acs: FakeRepository, api: httpx.Client) -> None:
    acs.add_user("carol", "pw-carol")
    folder = _folder(api, "Private")
    api.put(
        f"/nodes/{folder['id']}", json={"permissions": {"isInheritanceEnabled": False}}
    ).raise_for_status()
    carol = httpx.Client(base_url=acs.core_url, auth=("carol", "pw-carol"))
    _error(carol.get(f"/nodes/{folder['id']}"), 403)
    current = _entry(api.get(f"/nodes/{folder['id']}", params={"include": "permissions"}))
    local = current["permissions"]["locallySet"]
    grant = [*local, {"authorityId": "carol", "name": "Contributor", "accessStatus": "ALLOWED"}]
    _entry(api.put(f"/nodes/{folder['id']}", json={"permissions": {"locallySet": grant}}))
    assert carol.get(f"/nodes/{folder['id']}").status_code == 200
    made = carol.post(
        f"/nodes/{folder['id']}/children", json={"name": "n", "nodeType": "cm:folder"}
    )
    assert made.status_code == 201
    _error(carol.put(f"/nodes/{folder['id']}", json={"name": "renamed"}), 403)  # no write
    unknown = [{"authorityId": "nobody", "name": "Consumer"}]
    _error(api.put(f"/nodes/{folder['id']}", json={"permissions": {"locallySet": unknown}}), 400)
    ops = _entry(api.get(f"/nodes/{folder['id']}", params={"include": "allowableOperations"}))
    assert set(ops["allowableOperations"]) == {"create", "delete", "update", "updatePermissions"}


# --------------------------------------------------------------------------- tags, delete


def test_tags(acs: FakeRepository, api: httpx.Client) -> None:
    node_id = _upload(api, "-root-", "t.txt", b"t")["id"]
    wip = _entry(api.post(f"/nodes/{node_id}/tags", json={"tag": "WIP"}), 201)
    assert wip["tag"] == "wip"
    _entry(api.post(f"/nodes/{node_id}/tags", json={"tag": "draft"}), 201)
    listed = api.get(f"/nodes/{node_id}/tags").json()["list"]["entries"]
    assert sorted(e["entry"]["tag"] for e in listed) == ["draft", "wip"]
    assert _search(acs, "TAG:draft") == ["t.txt"]
    assert api.delete(f"/nodes/{node_id}/tags/{wip['id']}").status_code == 204
    _error(api.delete(f"/nodes/{node_id}/tags/{wip['id']}"), 404)


def test_delete_goes_to_the_trashcan_unless_permanent(
    acs: FakeRepository, api: httpx.Client
) -> None:
    folder = _folder(api, "old")
    child = _upload(api, folder["id"], "c.txt", b"c")
    assert api.delete(f"/nodes/{folder['id']}").status_code == 204
    assert acs.node(folder["id"]).archived and acs.node(child["id"]).archived
    assert [n.id for n in acs.trashcan()] == [folder["id"]]
    _error(api.get(f"/nodes/{child['id']}"), 404)
    deleted = api.get("/deleted-nodes").json()["list"]["entries"]
    assert [e["entry"]["id"] for e in deleted] == [folder["id"]]
    other = _upload(api, "-root-", "gone.txt", b"g")
    assert api.delete(f"/nodes/{other['id']}", params={"permanent": "true"}).status_code == 204
    with pytest.raises(KeyError):
        acs.node(other["id"])
    _error(api.delete(f"/nodes/{acs.company_home_id}"), 403)


# --------------------------------------------------------------------------- search


def test_afts_search(acs: FakeRepository, api: httpx.Client) -> None:
    folder = _folder(api, "Invoices")
    _upload(api, folder["id"], "invoice-2024.pdf", b"%PDF", **{"cm:title": "Q1 invoice"})
    _upload(api, folder["id"], "notes.txt", b"quarterly numbers", **{"cm:title": "test notes"})
    _upload(api, "-shared-", "invoice-old.pdf", b"%PDF")
    assert _search(acs, "cm:name:invoice*") == ["Invoices", "invoice-2024.pdf", "invoice-old.pdf"]
    assert _search(acs, "cm:title:test") == ["notes.txt"]
    assert _search(acs, "=cm:name:notes.txt") == ["notes.txt"]
    assert _search(acs, 'cm:title:"Q1 invoice"') == ["invoice-2024.pdf"]
    assert _search(acs, 'PATH:"/app:company_home/cm:Invoices/*"') == [
        "invoice-2024.pdf",
        "notes.txt",
    ]
    assert _search(acs, 'PATH:"/app:company_home//*" AND TYPE:"cm:content"') == [
        "invoice-2024.pdf",
        "invoice-old.pdf",
        "notes.txt",
    ]
    assert _search(acs, 'TYPE:"cm:folder" AND name:Inv*') == ["Invoices"]
    assert _search(acs, "quarterly") == ["notes.txt"]  # small text content is searched
    assert _search(acs, 'ASPECT:"cm:titled" AND NOT cm:name:notes*') == ["invoice-2024.pdf"]
    page = httpx.post(
        acs.search_url,
        json={
            "query": {"query": "cm:name:*.pdf"},
            "paging": {"maxItems": 1, "skipCount": 1},
            "include": ["properties", "path"],
        },
        auth=(acs.username, acs.password),
    ).json()["list"]
    assert page["pagination"] == {
        "count": 1,
        "hasMoreItems": False,
        "totalItems": 2,
        "skipCount": 1,
        "maxItems": 1,
    }
    assert "path" in page["entries"][0]["entry"]


def test_cmis_search(acs: FakeRepository, api: httpx.Client) -> None:
    folder = _folder(api, "Docs")
    _upload(api, folder["id"], "alpha.txt", b"a", **{"cm:title": "first"})
    _upload(api, folder["id"], "beta.txt", b"b")
    query = f"SELECT * FROM cmis:document WHERE IN_FOLDER('{folder['id']}') ORDER BY cmis:name DESC"
    assert _search(acs, query, "cmis") == ["alpha.txt", "beta.txt"]
    assert _search(acs, "SELECT * FROM cmis:document WHERE cmis:name LIKE 'al%'", "cmis") == [
        "alpha.txt"
    ]
    assert _search(acs, "SELECT * FROM cmis:folder WHERE cmis:name = 'Docs'", "cmis") == ["Docs"]
    assert _search(acs, "SELECT * FROM cmis:document WHERE CONTAINS('cm:title:first')", "cmis") == [
        "alpha.txt"
    ]


def test_an_unsupported_query_is_refused_by_name(acs: FakeRepository) -> None:
    body = {"query": {"query": "cm:created:[NOW-1DAY TO NOW]"}}
    response = httpx.post(acs.search_url, json=body, auth=(acs.username, acs.password))
    assert "date maths" in _error(response, 400)["briefSummary"]


# --------------------------------------------------------------------------- authentication


def test_basic_authentication_failures_are_401(acs: FakeRepository) -> None:
    response = httpx.get(f"{acs.core_url}/nodes/-root-", auth=("admin", "wrong"))
    _error(response, 401)
    assert response.headers["www-authenticate"].startswith("Basic")
    _error(httpx.get(f"{acs.core_url}/nodes/-root-"), 401)


def test_tickets(acs: FakeRepository) -> None:
    login = httpx.post(f"{acs.auth_url}/tickets", json={"userId": "admin", "password": "admin"})
    ticket = _entry(login, 201)["id"]
    assert ticket.startswith("TICKET_")
    by_query = httpx.get(f"{acs.core_url}/nodes/-root-", params={"alf_ticket": ticket})
    assert by_query.status_code == 200
    header = {"Authorization": "Basic " + base64.b64encode(ticket.encode()).decode()}
    assert httpx.get(f"{acs.core_url}/nodes/-root-", headers=header).status_code == 200
    assert _entry(httpx.get(f"{acs.auth_url}/tickets/-me-", headers=header))["id"] == ticket
    acs.expire_tickets()
    _error(httpx.get(f"{acs.core_url}/nodes/-root-", headers=header), 401)
    again = httpx.post(f"{acs.auth_url}/tickets", json={"userId": "admin", "password": "admin"})
    fresh = {
        "Authorization": "Basic " + base64.b64encode(_entry(again, 201)["id"].encode()).decode()
    }
    assert httpx.delete(f"{acs.auth_url}/tickets/-me-", headers=fresh).status_code == 204
    _error(httpx.get(f"{acs.core_url}/nodes/-root-", headers=fresh), 401)
    bad_login = httpx.post(f"{acs.auth_url}/tickets", json={"userId": "admin", "password": "x"})
    _error(bad_login, 403)


def test_tickets_expire_with_time(acs: FakeRepository) -> None:
    acs.ticket_lifetime = 60
    login = httpx.post(f"{acs.auth_url}/tickets", json={"userId": "admin", "password": "admin"})
    ticket = _entry(login, 201)["id"]
    acs.advance(61)
    _error(httpx.get(f"{acs.core_url}/nodes/-root-", params={"alf_ticket": ticket}), 401)


def test_oauth_client_credentials(acs: FakeRepository) -> None:
    acs.add_user("svc", "pw-svc")
    acs.add_client("tasklink", "client-secret-1", user="svc")
    form = {"grant_type": "client_credentials", "client_id": "tasklink"}
    refused = httpx.post(acs.token_url, data={**form, "client_secret": "nope"})
    assert (refused.status_code, refused.json()["error"]) == (401, "unauthorized_client")
    granted = httpx.post(acs.token_url, data={**form, "client_secret": "client-secret-1"})
    assert granted.status_code == 200
    token = granted.json()["access_token"]
    assert granted.json()["token_type"] == "Bearer"
    bearer = {"Authorization": f"Bearer {token}"}
    me = _entry(httpx.get(f"{acs.core_url}/nodes/-my-", headers=bearer))
    assert me["name"] == "svc"
    acs.expire_tokens()
    _error(httpx.get(f"{acs.core_url}/nodes/-my-", headers=bearer), 401)
    assert acs.auth.token_requests[-1]["client_id"] == "tasklink"


# --------------------------------------------------------------------------- errors, links


def test_a_missing_node_is_404_naming_it(acs: FakeRepository, api: httpx.Client) -> None:
    error = _error(api.get("/nodes/no-such-node"), 404)
    assert error["briefSummary"].endswith("The entity with id: no-such-node was not found")
    assert error["errorKey"] == "framework.exception.EntityNotFound"
    _error(api.get("/nodes/-root-", params={"relativePath": "Nope/Nothing"}), 404)


def test_shared_links(acs: FakeRepository, api: httpx.Client) -> None:
    node_id = _upload(api, "-root-", "s.txt", b"s")["id"]
    link = _entry(api.post("/shared-links", json={"nodeId": node_id}))  # the document: 200
    assert link["nodeId"] == node_id
    assert acs.node(node_id).properties["qshare:sharedId"] == link["id"]
    _error(api.post("/shared-links", json={"nodeId": node_id}), 409)


def test_faults_can_be_injected(acs: FakeRepository, api: httpx.Client) -> None:
    acs.fail_next("GET", r"/nodes/-root-$", 503, headers={"Retry-After": "1"})
    failed = api.get("/nodes/-root-")
    assert failed.status_code == 503 and failed.headers["retry-after"] == "1"
    assert api.get("/nodes/-root-").status_code == 200


def test_requests_are_logged(acs: FakeRepository, api: httpx.Client) -> None:
    api.post("/nodes/-root-/children", json={"name": "x", "nodeType": "cm:folder"})
    last = acs.requests[-1]
    assert (last.method, last.status) == ("POST", 201)
    assert last.path.endswith("/nodes/-root-/children")
    assert last.json == {"name": "x", "nodeType": "cm:folder"}
    assert last.headers["authorization"].startswith("Basic ")


# --------------------------------------------------------------------------- governance


def test_declare_record(acs: FakeRepository, api: httpx.Client) -> None:
    node_id = _upload(api, "-shared-", "r.txt", b"r")["id"]
    response = httpx.post(
        f"{acs.gs_url}/files/{node_id}/declare",
        params={"hideRecord": "false"},
        auth=(acs.username, acs.password),
    )
    record = _entry(response)  # the document declares 200
    assert "rma:record" in record["aspectNames"]
    assert acs.path_of(node_id) == "/Company Home/Sites/rm/documentLibrary/Unfiled Records/r.txt"
    children = api.get(f"/nodes/{acs.shared_id}/children").json()["list"]["entries"]
    assert [e["entry"]["id"] for e in children] == [node_id]  # still shown where it was
    again = httpx.post(f"{acs.gs_url}/files/{node_id}/declare", auth=(acs.username, acs.password))
    _error(again, 422)
    folder = acs.add_record_folder("2024")
    other = _upload(api, "-shared-", "r2.txt", b"r")["id"]
    filed = httpx.post(
        f"{acs.gs_url}/files/{other}/declare",
        params={"hideRecord": "true", "parentId": folder.id},
        auth=(acs.username, acs.password),
    )
    assert _entry(filed)["parentId"] == folder.id


def test_security_marks(acs: FakeRepository, api: httpx.Client) -> None:
    group = acs.add_security_group("PII", ("Name", "Address"))
    node_id = _upload(api, "-root-", "p.txt", b"p")["id"]
    gs = httpx.Client(base_url=acs.gs_url, auth=(acs.username, acs.password))
    groups = gs.get("/security-groups").json()["list"]["entries"]
    assert [g["entry"]["groupName"] for g in groups] == ["PII"]
    marks = gs.get(f"/security-groups/{group.id}/security-marks").json()["list"]["entries"]
    name_mark = next(m["entry"] for m in marks if m["entry"]["name"] == "Name")
    update = [{"id": name_mark["id"], "groupId": group.id, "operation": "ADD"}]
    answer = gs.post(f"/secured-nodes/{node_id}/securing-marks", json=update)
    assert answer.status_code == 200, answer.text
    assert acs.security_marks(node_id) == [("PII", "Name")]
    listed = gs.get(f"/secured-nodes/{node_id}/securing-marks").json()["list"]["entries"]
    assert [m["entry"]["name"] for m in listed] == ["Name"]


# --------------------------------------------------------------------------- the contract


def test_an_off_spec_request_is_recorded(acs: FakeRepository, api: httpx.Client) -> None:
    api.get("/nodes/-root-/children", params={"maxItems": "0"})
    api.post(f"/nodes/{acs.shared_id}/tags", json=[{"tag": "a"}, {"tag": "b"}])
    violations = acs.take_violations()
    assert any("GET /alfresco/api" in v and "maxItems" in v for v in violations), violations
    assert any("/tags" in v and "is not of type 'object'" in v for v in violations), violations


def test_an_off_spec_request_fails_the_test(pytester: pytest.Pytester) -> None:
    conftest = (HERE / "conftest.py").read_text("utf-8")
    pytester.makeconftest(
        conftest.replace("HERE = Path(__file__).resolve().parent", f"HERE = Path({str(HERE)!r})")
    )
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        test_inner="""
        import httpx

        def test_sends_an_off_spec_request(acs):
            response = httpx.get(
                f"{acs.core_url}/nodes/-root-/children",
                params={"maxItems": "0"},
                auth=(acs.username, acs.password),
            )
            assert response.status_code in (200, 400)
        """
    )
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the fake Alfresco saw 1 deviation(s) from the OpenAPI documents*",
            "*GET /alfresco/api/-default-/public/alfresco/versions/1/nodes/-root-/children"
            "?maxItems=0: query parameter 'maxItems'*",
        ]
    )


def test_a_trashed_child_outlives_its_parent_deleted_for_good(acs: FakeRepository) -> None:
    folder = acs.create_folder(acs.shared_id, "F")
    child = acs.create_file(folder.id, "a.txt", b"a")
    with httpx.Client(base_url=acs.core_url, auth=(acs.username, acs.password)) as client:
        assert client.delete(f"/nodes/{child.id}").status_code == 204
        assert client.delete(f"/nodes/{folder.id}", params={"permanent": "true"}).status_code == 204
        listed = client.get("/deleted-nodes")
    assert listed.status_code == 200
    assert [e["entry"]["id"] for e in listed.json()["list"]["entries"]] == [child.id]
    assert [n.id for n in acs.trashcan()] == [child.id]
