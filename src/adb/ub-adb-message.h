/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

/*
 * The adb message codec: a 24-byte little-endian header (command, arg0,
 * arg1, data_length, data_check, magic = command ^ 0xffffffff) followed by
 * data_length bytes of payload. Plain functions, no I/O.
 */

#include <glib.h>

G_BEGIN_DECLS

#define UB_ADB_HEADER_SIZE   24
/* Version with "skip checksum" (AOSP A_VERSION); what the host sends in CNXN. */
#define UB_ADB_VERSION       0x01000001u
#define UB_ADB_VERSION_MIN   0x01000000u
/* Largest payload the host offers in CNXN (AOSP MAX_PAYLOAD). */
#define UB_ADB_MAX_PAYLOAD   (1024u * 1024u)
/* Smallest max payload a device may announce (AOSP MAX_PAYLOAD_V1). */
#define UB_ADB_MIN_PAYLOAD   (4u * 1024u)

typedef enum {
  UB_ADB_CMD_SYNC = 0x434e5953,
  UB_ADB_CMD_CNXN = 0x4e584e43,
  UB_ADB_CMD_AUTH = 0x48545541,
  UB_ADB_CMD_OPEN = 0x4e45504f,
  UB_ADB_CMD_OKAY = 0x59414b4f,
  UB_ADB_CMD_CLSE = 0x45534c43,
  UB_ADB_CMD_WRTE = 0x45545257,
  UB_ADB_CMD_STLS = 0x534c5453,
} UbAdbCommand;

typedef struct {
  guint32 command;
  guint32 arg0;
  guint32 arg1;
  guint32 data_length;
  guint32 data_check;
  guint32 magic;
} UbAdbHeader;

/* Sum of the payload's bytes (the pre-0x01000001 data_check). */
guint32      ub_adb_checksum            (const guint8 *data,
                                         gsize         len);

/* Fills @out with the header for @command and a payload of @len bytes;
 * data_check is the checksum when @with_checksum, else 0. */
void         ub_adb_header_encode       (guint32       command,
                                         guint32       arg0,
                                         guint32       arg1,
                                         const guint8 *payload,
                                         guint32       len,
                                         gboolean      with_checksum,
                                         guint8        out[UB_ADB_HEADER_SIZE]);

/* Parses and validates a header: known command, magic, data_length at most
 * @max_payload. UB_ADB_ERROR_PROTOCOL naming the problem otherwise. */
gboolean     ub_adb_header_decode       (const guint8  buf[UB_ADB_HEADER_SIZE],
                                         guint32       max_payload,
                                         UbAdbHeader  *out,
                                         GError      **error);

/* Checks data_check against @payload (only meaningful before 0x01000001). */
gboolean     ub_adb_header_check_data   (const UbAdbHeader *header,
                                         const guint8      *payload,
                                         GError           **error);

/* "CNXN", "OPEN", …; "0x…" for an unknown command (static or per-thread buffer). */
const char  *ub_adb_command_to_string   (guint32 command);

/* What a CNXN banner ("sideload::", "device::ro.product.name=…;", …) says. */
typedef enum {
  UB_ADB_BANNER_UNKNOWN,
  UB_ADB_BANNER_SIDELOAD,   /* Mi Assistant recovery (or AOSP sideload) */
  UB_ADB_BANNER_DEVICE,     /* started Android */
  UB_ADB_BANNER_RECOVERY,   /* recovery with adb */
  UB_ADB_BANNER_RESCUE,     /* AOSP rescue mode */
  UB_ADB_BANNER_BOOTLOADER,
  UB_ADB_BANNER_HOST,
} UbAdbBannerKind;

UbAdbBannerKind ub_adb_banner_kind      (const char *banner);

G_END_DECLS
