"""SAML 2.0 through allauth's provider (python3-saml and xmlsec): the login sends a valid
AuthnRequest to the IdP, and a Response the test signs as the IdP would signs the member in, with
the same rules as OpenID Connect (required attribute, verified addresses only)."""

import base64
import datetime
import uuid
import zlib
from urllib.parse import parse_qs, urlsplit
from xml.etree import ElementTree

import pytest
from allauth.socialaccount.models import SocialAccount
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.contrib.auth import SESSION_KEY

from members.models import User

pytestmark = pytest.mark.django_db

IDP = "https://idp.example.org/saml"
SSO_URL = "https://idp.example.org/saml/sso"
LOGIN = "/accounts/saml/association/login/"
ACS = "/accounts/saml/association/acs/"
HOST = "mentoring.example.org"
SP_ENTITY = f"http://{HOST}/accounts/saml/association/metadata/"
NS = {
    "samlp": "urn:oasis:names:tc:SAML:2.0:protocol",
    "saml": "urn:oasis:names:tc:SAML:2.0:assertion",
}


@pytest.fixture(scope="module")
def idp_key():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "idp.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    pem_cert = cert.public_bytes(serialization.Encoding.PEM).decode()
    return pem_key, pem_cert


@pytest.fixture
def saml(settings, idp_key, client):
    """What SAML_IDP_ENTITY_ID, SAML_IDP_SSO_URL, SAML_IDP_X509_CERT, SAML_EMAIL_VERIFIED=1 and
    SAML_REQUIRED_ATTRIBUTE=member_status:active set up."""
    # python3-saml reads the Host header itself (a browser always sends one; the test client
    # does not unless told).
    # python3-saml also refuses single-label host names such as "testserver".
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    client.defaults["HTTP_HOST"] = HOST
    settings.SAML_REQUIRED_ATTRIBUTE = "member_status:active"
    settings.SOCIALACCOUNT_PROVIDERS = {
        "saml": {
            "APPS": [
                {
                    "provider_id": "saml",
                    "client_id": "association",
                    "name": "Sign in with your association account",
                    "settings": {
                        "idp": {"entity_id": IDP, "sso_url": SSO_URL, "x509cert": idp_key[1]},
                        "attribute_mapping": {
                            "uid": "uid",
                            "email": "email",
                            "email_verified": "email_verified",
                            "first_name": "first_name",
                            "last_name": "last_name",
                        },
                        "verified_email": True,
                        "advanced": {
                            "want_assertion_signed": True,
                            "want_message_signed": False,
                            "reject_idp_initiated_sso": True,
                        },
                    },
                }
            ]
        }
    }


def authn_request(client):
    response = client.post(LOGIN)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    query = parse_qs(location.query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15)
    return location, ElementTree.fromstring(xml)


def signed_response(idp_key, request_id, attributes, *, issuer=IDP) -> str:
    """A SAML Response as the IdP sends it, its assertion signed with the IdP's key."""
    from onelogin.saml2.constants import OneLogin_Saml2_Constants
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (now + datetime.timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assertion_id = f"_{uuid.uuid4().hex}"
    values = "".join(
        f'<saml:Attribute Name="{name}"><saml:AttributeValue>{value}</saml:AttributeValue>'
        "</saml:Attribute>"
        for name, value in attributes.items()
    )
    acs = f"http://{HOST}{ACS}"
    assertion = (
        f'<saml:Assertion xmlns:saml="{NS["saml"]}" ID="{assertion_id}" Version="2.0" '
        f'IssueInstant="{stamp}"><saml:Issuer>{issuer}</saml:Issuer>'
        '<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">'
        f"{attributes.get('uid', 'x')}</saml:NameID>"
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData InResponseTo="{request_id}" NotOnOrAfter="{later}" '
        f'Recipient="{acs}"/></saml:SubjectConfirmation></saml:Subject>'
        f'<saml:Conditions NotBefore="{stamp}" NotOnOrAfter="{later}"><saml:AudienceRestriction>'
        f"<saml:Audience>{SP_ENTITY}</saml:Audience></saml:AudienceRestriction></saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{stamp}" SessionIndex="{assertion_id}">'
        "<saml:AuthnContext><saml:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
        f"<saml:AttributeStatement>{values}</saml:AttributeStatement></saml:Assertion>"
    )
    signed = OneLogin_Saml2_Utils.add_sign(
        assertion,
        idp_key[0],
        idp_key[1],
        sign_algorithm=OneLogin_Saml2_Constants.RSA_SHA256,
        digest_algorithm=OneLogin_Saml2_Constants.SHA256,
    ).decode()
    signed = signed.removeprefix('<?xml version="1.0"?>').strip()
    response = (
        f'<samlp:Response xmlns:samlp="{NS["samlp"]}" xmlns:saml="{NS["saml"]}" '
        f'ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{stamp}" Destination="{acs}" '
        f'InResponseTo="{request_id}"><saml:Issuer>{issuer}</saml:Issuer><samlp:Status>'
        '<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>'
        f"{signed}</samlp:Response>"
    )
    return base64.b64encode(response.encode()).decode()


def post_to_acs(client, saml_response):
    response = client.post(ACS, {"SAMLResponse": saml_response})
    assert response.status_code == 302
    return client.get(response["Location"])


MEMBER = {
    "uid": "member-1001",
    "email": "sam.saml@example.org",
    "first_name": "Sam",
    "last_name": "Saml",
    "member_status": "active",
}


def test_xmlsec_and_python3_saml_are_installed_and_sign():
    import xmlsec
    from onelogin.saml2.utils import OneLogin_Saml2_Utils

    assert xmlsec.__version__
    assert OneLogin_Saml2_Utils.b64encode("x")


def test_the_saml_login_sends_a_valid_authn_request_to_the_idp(client, saml):
    from onelogin.saml2.utils import OneLogin_Saml2_XML

    location, request = authn_request(client)

    assert f"{location.scheme}://{location.netloc}{location.path}" == SSO_URL
    assert request.tag == f"{{{NS['samlp']}}}AuthnRequest"
    assert request.get("Destination") == SSO_URL
    assert request.get("AssertionConsumerServiceURL") == f"http://{HOST}{ACS}"
    assert request.find("saml:Issuer", NS).text == SP_ENTITY
    # Valid against the SAML protocol schema, as python3-saml checks what it receives.
    xml = ElementTree.tostring(request)
    assert not isinstance(OneLogin_Saml2_XML.validate_xml(xml, "saml-schema-protocol-2.0.xsd"), str)


def test_a_signed_response_signs_the_new_member_in_with_a_profile(client, saml, idp_key):
    _, request = authn_request(client)

    post_to_acs(client, signed_response(idp_key, request.get("ID"), MEMBER))

    user = User.objects.get(email="sam.saml@example.org")
    assert client.session.get(SESSION_KEY) == str(user.pk)
    assert (user.profile.first_name, user.profile.last_name) == ("Sam", "Saml")
    assert SocialAccount.objects.get(user=user).uid == "member-1001"


def test_a_member_without_the_required_attribute_is_refused(client, saml, idp_key):
    _, request = authn_request(client)

    response = post_to_acs(
        client, signed_response(idp_key, request.get("ID"), {**MEMBER, "member_status": "lapsed"})
    )

    assert response.status_code == 403
    assert "Your association membership is not active" in response.content.decode()
    assert not User.objects.filter(email="sam.saml@example.org").exists()


def test_a_response_signed_with_another_key_is_refused(client, saml, idp_key):
    _, request = authn_request(client)
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_pem = other.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()

    response = post_to_acs(
        client, signed_response((other_pem, idp_key[1]), request.get("ID"), MEMBER)
    )

    assert response.status_code in (200, 401)
    assert client.session.get(SESSION_KEY) is None
    assert not User.objects.filter(email="sam.saml@example.org").exists()


def test_a_response_to_no_request_of_ours_is_refused(client, saml, idp_key):
    response = post_to_acs(client, signed_response(idp_key, "_not-our-request", MEMBER))

    assert client.session.get(SESSION_KEY) is None
    assert response.status_code != 500
    assert not User.objects.filter(email="sam.saml@example.org").exists()


def test_a_verified_member_is_linked_by_saml_too(client, saml, idp_key, mentee):
    _, request = authn_request(client)

    post_to_acs(
        client, signed_response(idp_key, request.get("ID"), {**MEMBER, "email": mentee.email})
    )

    assert client.session.get(SESSION_KEY) == str(mentee.pk)
    assert SocialAccount.objects.get().user == mentee


@pytest.mark.parametrize("body", ["not base64 \x00", "PHhtbD4=", "A" * 100_000])
def test_garbage_at_the_acs_is_refused_without_a_server_error(client, saml, body):
    response = post_to_acs(client, body)

    assert response.status_code in (400, 401)
    assert client.session.get(SESSION_KEY) is None


def test_a_request_without_a_host_header_still_reaches_the_idp(client, saml):
    del client.defaults["HTTP_HOST"]  # as an HTTP/1.0 client: the server's name only
    client.defaults["SERVER_NAME"] = HOST

    response = client.post(LOGIN)

    assert response.status_code == 302
    assert response["Location"].startswith(SSO_URL)
