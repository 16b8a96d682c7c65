"""Fixity: does the archive still hold what it says it holds?  (`citewatch verify`)

`audit.Auditor` reads every WARC file once (its sha256 and size against the catalog's, each
record's digests, each catalog row against the record it points to); `chain.check_log` walks the
hash-linked capture log.  Both report `Problem`s: what is wrong, where, expected and found.
"""

from archive.fixity.problems import AuditReport, Problem

__all__ = ["AuditReport", "Problem"]
