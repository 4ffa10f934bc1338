/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-adb-error.h"
#include "ub-adb-message.h"

guint32
ub_adb_checksum (const guint8 *data,
                 gsize         len)
{
  guint32 sum = 0;

  for (gsize i = 0; i < len; i++)
    sum += data[i];
  return sum;
}

static void
put_le32 (guint8 *p,
          guint32 v)
{
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

static guint32
get_le32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) |
         ((guint32) p[3] << 24);
}

void
ub_adb_header_encode (guint32       command,
                      guint32       arg0,
                      guint32       arg1,
                      const guint8 *payload,
                      guint32       len,
                      gboolean      with_checksum,
                      guint8        out[UB_ADB_HEADER_SIZE])
{
  put_le32 (out, command);
  put_le32 (out + 4, arg0);
  put_le32 (out + 8, arg1);
  put_le32 (out + 12, len);
  put_le32 (out + 16, with_checksum && payload != NULL ? ub_adb_checksum (payload, len) : 0);
  put_le32 (out + 20, command ^ 0xffffffffu);
}

static gboolean
is_known_command (guint32 command)
{
  switch (command)
    {
    case UB_ADB_CMD_SYNC:
    case UB_ADB_CMD_CNXN:
    case UB_ADB_CMD_AUTH:
    case UB_ADB_CMD_OPEN:
    case UB_ADB_CMD_OKAY:
    case UB_ADB_CMD_CLSE:
    case UB_ADB_CMD_WRTE:
    case UB_ADB_CMD_STLS:
      return TRUE;
    default:
      return FALSE;
    }
}

gboolean
ub_adb_header_decode (const guint8  buf[UB_ADB_HEADER_SIZE],
                      guint32       max_payload,
                      UbAdbHeader  *out,
                      GError      **error)
{
  UbAdbHeader h;

  h.command = get_le32 (buf);
  h.arg0 = get_le32 (buf + 4);
  h.arg1 = get_le32 (buf + 8);
  h.data_length = get_le32 (buf + 12);
  h.data_check = get_le32 (buf + 16);
  h.magic = get_le32 (buf + 20);

  if (h.magic != (h.command ^ 0xffffffffu))
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone sent a malformed adb packet (bad magic 0x%08x for command 0x%08x)"),
                   h.magic, h.command);
      return FALSE;
    }
  if (!is_known_command (h.command))
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone sent an unknown adb command 0x%08x"), h.command);
      return FALSE;
    }
  if (h.data_length > max_payload)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone sent an adb packet of %u bytes, more than the agreed %u"),
                   h.data_length, max_payload);
      return FALSE;
    }
  if (out != NULL)
    *out = h;
  return TRUE;
}

gboolean
ub_adb_header_check_data (const UbAdbHeader *header,
                          const guint8      *payload,
                          GError           **error)
{
  guint32 sum = payload != NULL ? ub_adb_checksum (payload, header->data_length) : 0;

  if (sum != header->data_check)
    {
      g_set_error (error, UB_ADB_ERROR, UB_ADB_ERROR_PROTOCOL,
                   _("The phone sent an adb packet with a wrong checksum (0x%08x, expected 0x%08x)"),
                   header->data_check, sum);
      return FALSE;
    }
  return TRUE;
}

const char *
ub_adb_command_to_string (guint32 command)
{
  static GPrivate buffer = G_PRIVATE_INIT (g_free);
  char *s;

  switch (command)
    {
    case UB_ADB_CMD_SYNC: return "SYNC";
    case UB_ADB_CMD_CNXN: return "CNXN";
    case UB_ADB_CMD_AUTH: return "AUTH";
    case UB_ADB_CMD_OPEN: return "OPEN";
    case UB_ADB_CMD_OKAY: return "OKAY";
    case UB_ADB_CMD_CLSE: return "CLSE";
    case UB_ADB_CMD_WRTE: return "WRTE";
    case UB_ADB_CMD_STLS: return "STLS";
    default:
      break;
    }
  s = g_private_get (&buffer);
  if (s == NULL)
    {
      s = g_malloc (16);
      g_private_set (&buffer, s);
    }
  g_snprintf (s, 16, "0x%08x", command);
  return s;
}

UbAdbBannerKind
ub_adb_banner_kind (const char *banner)
{
  static const struct {
    const char *prefix;
    UbAdbBannerKind kind;
  } kinds[] = {
    { "sideload:", UB_ADB_BANNER_SIDELOAD },
    { "device:", UB_ADB_BANNER_DEVICE },
    { "recovery:", UB_ADB_BANNER_RECOVERY },
    { "rescue:", UB_ADB_BANNER_RESCUE },
    { "bootloader:", UB_ADB_BANNER_BOOTLOADER },
    { "host:", UB_ADB_BANNER_HOST },
  };

  if (banner == NULL)
    return UB_ADB_BANNER_UNKNOWN;
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (g_str_has_prefix (banner, kinds[i].prefix))
      return kinds[i].kind;
  return UB_ADB_BANNER_UNKNOWN;
}
