/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-fastboot-protocol.h"

gboolean
ub_fastboot_parse_response (const guint8           *buf,
                            gsize                   len,
                            UbFastbootResponseKind *kind,
                            char                  **payload,
                            GError                **error)
{
  static const struct { const char *tag; UbFastbootResponseKind kind; } tags[] = {
    { "OKAY", UB_FASTBOOT_RESPONSE_OKAY },
    { "FAIL", UB_FASTBOOT_RESPONSE_FAIL },
    { "DATA", UB_FASTBOOT_RESPONSE_DATA },
    { "INFO", UB_FASTBOOT_RESPONSE_INFO },
    { "TEXT", UB_FASTBOOT_RESPONSE_TEXT },
  };

  if (len < 4)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                   _("The device sent a response of %zu bytes, too short"), len);
      return FALSE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (tags); i++)
    {
      if (memcmp (buf, tags[i].tag, 4) == 0)
        {
          *kind = tags[i].kind;
          /* payloads may carry a trailing NUL or garbage after one */
          *payload = g_strndup ((const char *) buf + 4, len - 4);
          return TRUE;
        }
    }
  {
    g_autofree char *shown = g_strndup ((const char *) buf, MIN (len, 16));
    g_autofree char *escaped = g_strescape (shown, NULL);
    g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                 /* TRANSLATORS: %s: the first letters of the phone's answer */
                 _("The device sent an unknown status: “%s”"), escaped);
  }
  return FALSE;
}

gboolean
ub_fastboot_parse_number (const char *value,
                          gboolean    implicit_hex,
                          guint64    *out,
                          GError    **error)
{
  g_autofree char *trimmed = NULL;
  const char *digits;
  char *end = NULL;
  guint base = 10;
  guint64 result;

  if (value == NULL)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
                           _("The device did not report a number"));
      return FALSE;
    }
  trimmed = g_strstrip (g_strdup (value));
  digits = trimmed;
  if (g_ascii_strncasecmp (digits, "0x", 2) == 0)
    {
      digits += 2;
      base = 16;
    }
  else if (implicit_hex)
    base = 16;

  if (*digits == '\0' || !g_ascii_isxdigit (*digits) ||
      (base == 10 && !g_ascii_isdigit (*digits)))
    goto invalid;
  errno = 0;
  result = g_ascii_strtoull (digits, &end, base);
  if (errno != 0 || end == NULL || *end != '\0')
    goto invalid;
  *out = result;
  return TRUE;

invalid:
  g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
               _("The device reported “%s”, which is not a number"), trimmed);
  return FALSE;
}

gboolean
ub_fastboot_parse_data_size (const char *payload,
                             guint32    *out,
                             GError    **error)
{
  guint32 value = 0;

  if (strlen (payload) < 8)
    goto invalid;
  for (guint i = 0; i < 8; i++)
    {
      int digit = g_ascii_xdigit_value (payload[i]);
      if (digit < 0)
        goto invalid;
      value = (value << 4) | (guint32) digit;
    }
  *out = value;
  return TRUE;

invalid:
  g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_PROTOCOL,
               _("The device sent an invalid data size “%s”"), payload);
  return FALSE;
}

gboolean
ub_fastboot_check_command (const char *command,
                           GError    **error)
{
  gsize len = strlen (command);

  if (len == 0 || len > UB_FASTBOOT_MAX_COMMAND)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                   /* TRANSLATORS: %s: a fastboot command; its length in bytes; the
                    * longest command phones accept, in bytes */
                   _("The command “%s” is %zu bytes long; phones accept 1 to %d"),
                   command, len, UB_FASTBOOT_MAX_COMMAND);
      return FALSE;
    }
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isprint (command[i]))
        {
          g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_ARGUMENT,
                       _("The command contains a control character at position %zu"), i);
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ub_fastboot_partition_name_is_valid (const char *name)
{
  if (name == NULL || name[0] == '\0' || strlen (name) > UB_FASTBOOT_MAX_PARTITION_NAME)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.')
      return FALSE;
  return TRUE;
}

GStrv
ub_fastboot_partition_split_ab (const char *name)
{
  gsize len = name != NULL ? strlen (name) : 0;
  GStrv both;

  if (len <= 3 || !g_str_has_suffix (name, "_ab"))
    return NULL;
  both = g_new0 (char *, 3);
  both[0] = g_strdup_printf ("%.*s_a", (int) (len - 3), name);
  both[1] = g_strdup_printf ("%.*s_b", (int) (len - 3), name);
  return both;
}

gboolean
ub_fastboot_partition_has_suffix (const char *name)
{
  return g_str_has_suffix (name, "_a") || g_str_has_suffix (name, "_b") ||
         g_str_has_suffix (name, "_ab");
}

char *
ub_fastboot_normalize_slot (const char *value)
{
  g_autofree char *trimmed = NULL;

  if (value == NULL)
    return NULL;
  trimmed = g_strstrip (g_strdup (value));
  if (trimmed[0] == '_')
    memmove (trimmed, trimmed + 1, strlen (trimmed));
  if (trimmed[0] == '\0')
    return NULL;
  return g_steal_pointer (&trimmed);
}
