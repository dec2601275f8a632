"""Optional DKIM signing by `vivier send` (dkimpy), for a self-hosted relay that does not sign itself.

Off unless `MAILING_DKIM_SELECTOR` is set; the private key is read from the
file named by `VIVIER_DKIM_KEY` (never from a settings file). The signature
covers the headers receivers check and, as RFC 8058 requires,
`List-Unsubscribe` and `List-Unsubscribe-Post`; `d=` is `MAILING_DKIM_DOMAIN`
or the From address's domain (aligned with From, for DMARC).
"""

from __future__ import annotations

from collections.abc import Callable

from .sender import header_address

SIGNED_HEADERS = (
    b"From", b"To", b"Subject", b"Date", b"Message-ID", b"MIME-Version", b"Content-Type", b"Reply-To",
    b"List-Id", b"List-Unsubscribe", b"List-Unsubscribe-Post",
)


def make_signer(selector: str, key: bytes, domain: str | None = None) -> Callable[[bytes], bytes]:
    """A function returning the message with a `DKIM-Signature` header in front."""
    import dkim  # dkimpy, imported only when signing is on

    def sign(data: bytes) -> bytes:
        signing_domain = domain or (header_address(data, "From") or "").rpartition("@")[2]
        present = {line.split(b":", 1)[0].strip().lower() for line in data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
                   if b":" in line and line[:1] not in (b" ", b"\t")}
        headers = [name for name in SIGNED_HEADERS if name.lower() in present]
        signature = dkim.sign(data, selector.encode("ascii"), signing_domain.encode("ascii"), key,
                              include_headers=headers, canonicalize=(b"relaxed", b"relaxed"))
        return signature + data

    return sign


def signer_for(config) -> Callable[[bytes], bytes] | None:
    """The signer of a DeliveryConfig, or None when DKIM signing is off."""
    if not config.dkim_selector:
        return None
    return make_signer(config.dkim_selector, config.dkim_key, config.dkim_domain)
