/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "ub-fastboot-error.h"
#include "ub-vbmeta.h"

gboolean
ub_vbmeta_set_flags (guint8  *data,
                     gsize    size,
                     guint    flags,
                     GError **error)
{
  guint32 value;

  g_return_val_if_fail (data != NULL || size == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (size < UB_VBMETA_HEADER_SIZE)
    {
      g_set_error (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                   /* TRANSLATORS: %u: a number of bytes below 256; keep vbmeta */
                   g_dngettext (GETTEXT_PACKAGE,
                                "The file is not a vbmeta image: it is %u byte long, shorter than "
                                "a vbmeta header (256 bytes).",
                                "The file is not a vbmeta image: it is %u bytes long, shorter than "
                                "a vbmeta header (256 bytes).", (gulong) size),
                   (guint) size);
      return FALSE;
    }
  if (memcmp (data, UB_VBMETA_MAGIC, strlen (UB_VBMETA_MAGIC)) != 0)
    {
      g_set_error_literal (error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_INVALID_IMAGE,
                           /* TRANSLATORS: keep AVB0 and vbmeta */
                           _("The file is not a vbmeta image: it does not start with “AVB0”."));
      return FALSE;
    }
  value = ub_vbmeta_get_flags (data, size) | (flags & UB_VBMETA_FLAGS_ALL);
  data[UB_VBMETA_FLAGS_OFFSET] = value >> 24;
  data[UB_VBMETA_FLAGS_OFFSET + 1] = value >> 16;
  data[UB_VBMETA_FLAGS_OFFSET + 2] = value >> 8;
  data[UB_VBMETA_FLAGS_OFFSET + 3] = value;
  return TRUE;
}

guint32
ub_vbmeta_get_flags (const guint8 *data,
                     gsize         size)
{
  const guint8 *p = data + UB_VBMETA_FLAGS_OFFSET;

  g_return_val_if_fail (size >= UB_VBMETA_HEADER_SIZE, 0);
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

gboolean
ub_vbmeta_partition_takes_flags (const char *partition)
{
  return g_strcmp0 (partition, "vbmeta") == 0 || g_strcmp0 (partition, "vbmeta_a") == 0 ||
         g_strcmp0 (partition, "vbmeta_b") == 0;
}

gboolean
ub_vbmeta_partition_is_boot (const char *partition)
{
  return g_strcmp0 (partition, "boot") == 0 || g_strcmp0 (partition, "boot_a") == 0 ||
         g_strcmp0 (partition, "boot_b") == 0;
}

const char *
ub_vbmeta_flags_to_options (guint flags)
{
  switch (flags & UB_VBMETA_FLAGS_ALL)
    {
    case UB_VBMETA_FLAG_DISABLE_VERITY:
      return "--disable-verity";
    case UB_VBMETA_FLAG_DISABLE_VERIFICATION:
      return "--disable-verification";
    case UB_VBMETA_FLAGS_ALL:
      return "--disable-verity --disable-verification";
    default:
      return "";
    }
}

guint
ub_vbmeta_flag_from_option (const char *option)
{
  if (g_strcmp0 (option, "--disable-verity") == 0)
    return UB_VBMETA_FLAG_DISABLE_VERITY;
  if (g_strcmp0 (option, "--disable-verification") == 0)
    return UB_VBMETA_FLAG_DISABLE_VERIFICATION;
  return 0;
}
