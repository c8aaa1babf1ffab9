#!/bin/sh
# Tamper with copies of a demo database and run `haochaping audit verify` on each.
#   scripts/audit_tamper.sh DATA_DIR   (DATA_DIR holds haochaping.sqlite3 built by seed-demo)
# Prints, per case, the SQL applied, verify's output and its exit code.
set -u
SRC=${1:?usage: scripts/audit_tamper.sh DATA_DIR}
BIN=$(dirname "$0")/../.venv/bin
WORK=$(mktemp -d)
DB="$SRC/haochaping.sqlite3"
sqlite3 "$DB" "PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
Q() { sqlite3 "$DB" "$1"; }
R=$(Q "SELECT id FROM ratings_rating WHERE level <> 'very_satisfied' ORDER BY id LIMIT 1 OFFSET 100;")
R2=$(Q "SELECT id FROM ratings_rating ORDER BY id LIMIT 1 OFFSET 2000;")
R3=$(Q "SELECT id FROM ratings_rating WHERE evaluator_mobile <> '' ORDER BY id LIMIT 1 OFFSET 3000;")
MAX=$(Q "SELECT max(seq) FROM audit_auditrecord;")
HEAD=$(Q "SELECT seq || ':' || hash FROM audit_dayhead ORDER BY day DESC LIMIT 1;")
run() {
  name=$1; sql=$2; shift 2
  rm -rf "$WORK/$name"; mkdir -p "$WORK/$name"
  cp "$DB" "$WORK/$name/haochaping.sqlite3"
  sqlite3 "$WORK/$name/haochaping.sqlite3" "$sql"
  echo "=== $name"
  echo "sql: $sql"
  HAOCHAPING_DATA_DIR="$WORK/$name" "$BIN/haochaping" audit verify "$@" >"$WORK/out" 2>/dev/null
  rc=$?
  sed 's/^/  /' "$WORK/out"
  echo "  exit code: $rc"
}
run untouched ";"
run rating-level "UPDATE ratings_rating SET level = 'very_satisfied' WHERE id = $R;"
run rating-delete "PRAGMA foreign_keys=OFF; DELETE FROM ratings_rating WHERE id = $R2;"
run rating-level-and-hash "UPDATE ratings_rating SET level = 'very_dissatisfied', content_hash = '$(printf %064d 1)' WHERE id = $R3;"
run rating-level-hash-cleared "UPDATE ratings_rating SET level = 'very_dissatisfied', content_hash = '' WHERE id = $R3;"
run rating-mobile-plaintext "UPDATE ratings_rating SET evaluator_mobile = '13800000000' WHERE id = $R3;"
run rating-id-number-garbage "UPDATE ratings_rating SET evaluator_cert_no = 'enc1:x:AAAA' WHERE id = $R3;"
run rating-identity-blanked "UPDATE ratings_rating SET evaluator_name = '', evaluator_cert_no = '', evaluator_mobile = '' WHERE id = $R3;"
run audit-row-edit "UPDATE audit_auditrecord SET actor = 'user:1:admin' WHERE seq = 100;"
run audit-row-delete "DELETE FROM audit_auditrecord WHERE seq = 200;"
run chain-tail-truncate "DELETE FROM audit_auditrecord WHERE seq > $MAX - 5;"
run chain-tail-truncate-and-heads "DELETE FROM audit_auditrecord WHERE seq > $MAX - 5; UPDATE audit_chainstate SET seq = $MAX - 5, hash = (SELECT hash FROM audit_auditrecord WHERE seq = $MAX - 5); UPDATE audit_dayhead SET seq = $MAX - 5, hash = (SELECT hash FROM audit_auditrecord WHERE seq = $MAX - 5);"
TRUNC="DELETE FROM audit_auditrecord WHERE seq > $MAX - 5; UPDATE audit_chainstate SET seq = $MAX - 5, hash = (SELECT hash FROM audit_auditrecord WHERE seq = $MAX - 5); UPDATE audit_dayhead SET seq = $MAX - 5, hash = (SELECT hash FROM audit_auditrecord WHERE seq = $MAX - 5);"
run chain-tail-truncate-and-heads-vs-published "$TRUNC" --head "$HEAD"
rm -rf "$WORK"
