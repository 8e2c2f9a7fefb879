#!/usr/bin/env python3
"""Writes the real-file seeds of fuzz/seeds/ from ../shared/certdata: for each
(file, label) below, the file's header (up to BEGINDATA, licence comment left
out), its root list object and the objects labelled LABEL (certificate and
trust, with their comment blocks). A few KB each; never whole files.

Run from the repository: python3 fuzz/make-seeds.py (needs ../shared)."""
import os, re, sys

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "certdata")
OUT = os.path.join(os.path.dirname(__file__), "seeds")

SLICES = [
    ("NSS_3_123_RTM", "ISRG Root X2", "nss-3.123-isrg-x2"),
    ("NSS_3_123_RTM", "Izenpe.com", "nss-3.123-izenpe-distrust-after-in-trust"),
    ("NSS_3_111_RTM", "Entrust Root Certification Authority - EC1", "nss-3.111-entrust-ec1-distrust-after"),
    ("NSS_3_53_RTM", "EC-ACC", "nss-3.53-ec-acc-negative-serial"),
    ("NSS_3_53_RTM", "MITM subCA 1 issued by Trustwave", "nss-3.53-trust-only"),
    ("NSS_3_26_RTM", "AC Ra\\xC3\\xADz Certic\\xC3\\xA1mara S.A.", "nss-3.26-label-escapes"),
    ("NSS_3_14_RTM", "GTE CyberTrust Global Root", "nss-3.14-cvs-id"),
    ("NSS_3_12_4_RTM", "Verisign/RSA Secure Server CA", "nss-3.12.4-netscape"),
]


def blocks(text):
    """The header (through BEGINDATA) and the blank-line separated blocks after it."""
    head, _, body = text.partition("\nBEGINDATA\n")
    header = [l for l in head.split("\n") if not l.startswith("#") or l == "#"]
    return "\n".join(header).strip("\n") + "\nBEGINDATA\n", body.split("\n\n")


def main():
    if not os.path.isdir(SHARED):
        sys.exit(f"{SHARED} is absent")
    for tag, label, name in SLICES:
        text = open(os.path.join(SHARED, f"{tag}.certdata.txt"), encoding="utf-8").read()
        header, objs = blocks(text)
        want = f'CKA_LABEL UTF8 "{label}"\n'
        root = [b for b in objs if "BUILTIN_ROOT_LIST" in b][:1]
        picked = [b for b in objs if want in b + "\n"]
        if not picked:
            sys.exit(f"{tag}: no object labelled {label!r}")
        seed = header + "\n\n".join(root + picked).strip("\n") + "\n"
        for target in ("tokenizer", "pipeline"):
            os.makedirs(os.path.join(OUT, target), exist_ok=True)
            with open(os.path.join(OUT, target, name + ".txt"), "w", encoding="utf-8") as f:
                f.write(seed)
        print(f"{name}: {len(seed)} bytes")


main()
