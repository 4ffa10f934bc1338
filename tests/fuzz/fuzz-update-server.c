/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Xiaomi's update server answer, decrypted, from fuzzed data: the ROM list
 * (ub_update_server_parse_roms) and the approval
 * (ub_update_server_parse_approval), checking what they promise; then the
 * same bytes as an encrypted answer (ub_miota_decrypt).
 */
#include "config.h"

#include <string.h>

#include "ub-fuzz.h"
#include "ub-miota-crypto.h"
#include "ub-online-error.h"
#include "ub-update-server-private.h"

#define ASKED_MD5 "0123456789abcdef0123456789ABCDEF"

static const char *const mirrors[] = {
  "https://bigota.d.miui.com", "https://cdnorg.d.miui.com/", NULL,
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  ub_fuzz_quiet_logs ();
  return 0;
}

static void
assert_md5 (const char *s)
{
  g_assert_nonnull (s);
  g_assert_cmpuint (strlen (s), ==, 32);
  for (const char *p = s; *p != '\0'; p++)
    g_assert_true (g_ascii_isdigit (*p) || (*p >= 'a' && *p <= 'f'));
}

static void
assert_failure (GError *error,
                gint    code_a,
                gint    code_b)
{
  g_assert_nonnull (error);
  g_assert_true (error->domain == UB_ONLINE_ERROR);
  g_assert_true (error->code == code_a || error->code == code_b);
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
check_roms (const char *text,
            gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) roms = ub_update_server_parse_roms (text, len, &error);

  if (roms == NULL)
    {
      assert_failure (error, UB_ONLINE_ERROR_BAD_DATA, UB_ONLINE_ERROR_BAD_DATA);
      return;
    }
  g_assert_no_error (error);
  for (guint i = 0; i < roms->len; i++)
    {
      UbUpdateRom *rom = roms->pdata[i];
      const char *kind = ub_update_rom_get_kind (rom);
      const char *filename = ub_update_rom_get_filename (rom);
      const char *version = ub_update_rom_get_version (rom);
      g_auto(GStrv) urls = ub_update_rom_dup_urls (rom, mirrors);

      /* full ROMs only; the current one first */
      g_assert_true (g_str_equal (kind, "CurrentRom") || g_str_equal (kind, "LatestRom")
                     || g_str_equal (kind, "CrossRom"));
      g_assert_true (!ub_update_rom_get_is_current (rom) || i == 0);
      assert_md5 (ub_update_rom_get_md5 (rom));
      g_assert_true (filename != NULL && filename[0] != '\0' && strchr (filename, '/') == NULL);
      g_assert_true (version != NULL && version[0] != '\0' && strchr (version, '/') == NULL);
      g_assert_cmpuint (g_strv_length (urls), ==, 2);
      for (guint u = 0; urls[u] != NULL; u++)
        {
          g_autoptr(GUri) uri = g_uri_parse (urls[u], G_URI_FLAGS_ENCODED, NULL);

          g_assert_nonnull (uri);
          g_assert_true (g_str_has_suffix (g_uri_get_host (uri), ".d.miui.com"));
        }
      ub_update_rom_get_size_hint (rom);
      ub_update_rom_get_name (rom);
      ub_update_rom_get_codebase (rom);
      ub_update_rom_get_branch (rom);
      /* one per MD5 */
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (ub_update_rom_get_md5 (roms->pdata[j]), !=, ub_update_rom_get_md5 (rom));
    }
}

static void
check_approval (const char *text,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomApproval) approval =
    ub_update_server_parse_approval (text, len, ASKED_MD5, &error);

  if (approval == NULL)
    {
      assert_failure (error, UB_ONLINE_ERROR_BAD_DATA, UB_ONLINE_ERROR_REFUSED);
      return;
    }
  g_assert_no_error (error);
  g_assert_nonnull (ub_rom_approval_get_token (approval));
  g_assert_cmpstr (ub_rom_approval_get_token (approval), !=, "");
  assert_md5 (ub_rom_approval_get_md5 (approval));
  ub_rom_approval_get_erase (approval);
  ub_rom_approval_get_filename (approval);
  ub_rom_approval_get_version (approval);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  gsize len = strlen (text);
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  gsize plain_len = 0;

  check_roms (text, len);
  check_approval (text, len);

  plain = ub_miota_decrypt (text, 4096, &plain_len, &error);
  if (plain == NULL)
    assert_failure (error, UB_ONLINE_ERROR_BAD_DATA, UB_ONLINE_ERROR_BAD_DATA);
  else
    {
      g_assert_cmpuint (plain_len, <=, 4096);
      g_assert_cmpuint (strlen (plain), <=, plain_len);
    }
  return 0;
}
