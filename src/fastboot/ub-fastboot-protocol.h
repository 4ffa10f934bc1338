/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Commands longer than this are truncated by ABL and LK bootloaders. */
#define UB_FASTBOOT_MAX_COMMAND 64

typedef enum {
  UB_FASTBOOT_RESPONSE_OKAY,
  UB_FASTBOOT_RESPONSE_FAIL,
  UB_FASTBOOT_RESPONSE_DATA,
  UB_FASTBOOT_RESPONSE_INFO,
  UB_FASTBOOT_RESPONSE_TEXT,
} UbFastbootResponseKind;

/*
 * Splits one response packet into its kind and payload (the text after the
 * 4-byte status, NUL-terminated, never NULL on success). Fails with
 * UB_FASTBOOT_ERROR_PROTOCOL for a short packet or an unknown status.
 */
gboolean  ub_fastboot_parse_response (const guint8           *buf,
                                      gsize                   len,
                                      UbFastbootResponseKind *kind,
                                      char                  **payload,
                                      GError                **error);

/*
 * Parses a numeric variable after trimming whitespace. "0x…" is always hex;
 * otherwise decimal, unless @implicit_hex (partition-size and friends are
 * hex even without the prefix, as AOSP assumes).
 */
gboolean  ub_fastboot_parse_number   (const char             *value,
                                      gboolean                implicit_hex,
                                      guint64                *out,
                                      GError                **error);

/* The DATA payload: exactly 8 hex digits. */
gboolean  ub_fastboot_parse_data_size (const char            *payload,
                                       guint32               *out,
                                       GError               **error);

/* Checks that a command can be sent: ≤ 64 bytes, printable ASCII only. */
gboolean  ub_fastboot_check_command  (const char             *command,
                                      GError                **error);

/* GPT names hold 36 UTF-16 units, ABL refuses 36 and more ("Invalid partition name"). */
#define UB_FASTBOOT_MAX_PARTITION_NAME 35

/* A partition name as scripts and users may give it: 1 to 35 of A-Z a-z 0-9 _ - . */
gboolean  ub_fastboot_partition_name_is_valid (const char    *name);

/* Xiaomi's both-slot alias X_ab: the two real names { X_a, X_b }; NULL for any other name. */
GStrv     ub_fastboot_partition_split_ab (const char         *name);

/* TRUE when @name already names one slot (or Xiaomi's both-slot alias): X_a, X_b, X_ab. */
gboolean  ub_fastboot_partition_has_suffix (const char       *name);

/* "a", "_a", " a\n" → "a"; NULL when empty. */
char     *ub_fastboot_normalize_slot (const char             *value);

G_END_DECLS
