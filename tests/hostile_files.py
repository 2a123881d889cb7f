"""Builders of hostile input files, shared by tests/test_hostile_inputs.py and bench/hostile.py."""

from __future__ import annotations

import zlib


def warc_record(i: int, body: bytes, content_type: str = "text/html; charset=utf-8",
                host: str = "example.th") -> bytes:
    """One uncompressed WARC response record for ``http://{host}/{i}`` holding ``body``."""
    http = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:00000000-0000-0000-0000-{i:012d}>\r\n"
            f"WARC-Target-URI: http://{host}/{i}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n"
            f"Content-Type: application/http; msgtype=response\r\nContent-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def gzip_bomb(mb: int, host: str = "example.th") -> bytes:
    """One gzipped WARC record for ``http://{host}/bomb`` whose text/plain body inflates to ``mb``
    MB of Thai, while the member itself stays a few hundred KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    http = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:bomb>\r\n"
            f"WARC-Target-URI: http://{host}/bomb\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http) + mb * 2**20}\r\n\r\n").encode()
    chunk = ("ข่าว " * 200_000).encode()[: 2**20]
    out = [packer.compress(head + http)] + [packer.compress(chunk) for _ in range(mb)]
    return b"".join(out) + packer.compress(b"\r\n\r\n") + packer.flush()
