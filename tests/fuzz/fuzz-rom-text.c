/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A ROM's small text files from fuzzed bytes: UB_FUZZ_FILE is "misc.txt",
 * "md5sum.xml" or "images/anti_version.txt" (one target each). The file is
 * put in a small ROM folder; UbRom reads it (ub_rom_new_for_folder, its
 * getters, ub_rom_read_text) and the checks (UbPreflight) use it against a
 * phone whose answers are fixed, so anti_version.txt meets the
 * anti-rollback check and md5sum.xml the checksum check.
 */
#include "config.h"

#include <string.h>

#include "ub-check.h"
#include "ub-fastboot-client.h"
#include "ub-fuzz.h"
#include "ub-fuzz-transport.h"
#include "ub-preflight.h"
#include "ub-rom.h"

static const char script[] =
  "fastboot $* getvar product 2>&1 | grep \"^product: *alioth\"\n"
  "if [ $? -ne 0 ] ; then echo \"Missmatching image and device\"; exit 1; fi\n"
  "CURRENT_ANTI_VER=1\n"
  "if [ -e $(dirname $0)/images/anti_version.txt ]; then\n"
  "CURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`\n"
  "fi\n"
  "ver=`fastboot $* getvar anti 2>&1 | grep -oP \"anti: \\K[0-9]+\"`\n"
  "if [ -z \"$ver\" ]; then ver=0; fi\n"
  "if [ $ver -gt $CURRENT_ANTI_VER ]; then echo \"Current device antirollback version is greater than this pakcage\"; exit 1; fi\n"
  "fastboot $* flash boot_ab `dirname $0`/images/boot.img\n"
  "fastboot $* flash crclist `dirname $0`/images/crclist.txt\n"
  "fastboot $* reboot\n";

static char *rom_dir;
static GHashTable *answers;

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autofree char *script_path = NULL;
  g_autofree char *boot = NULL;
  g_autofree char *crclist = NULL;

  ub_fuzz_quiet_logs ();
  rom_dir = g_build_filename (ub_fuzz_tmp_dir (), "alioth_global_images_V1.0.0.0_12.0", NULL);
  script_path = g_build_filename (rom_dir, "flash_all.sh", NULL);
  ub_fuzz_write_file (script_path, script, strlen (script));
  boot = g_build_filename (rom_dir, "images", "boot.img", NULL);
  ub_fuzz_write_file (boot, "ANDROID!boot", 12);
  crclist = g_build_filename (rom_dir, "images", "crclist.txt", NULL);
  ub_fuzz_write_file (crclist, "boot.img 12345678\n", 18);

  answers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_hash_table_insert (answers, g_strdup ("product"), g_strdup ("alioth"));
  g_hash_table_insert (answers, g_strdup ("unlocked"), g_strdup ("yes"));
  g_hash_table_insert (answers, g_strdup ("anti"), g_strdup ("2"));
  g_hash_table_insert (answers, g_strdup ("max-download-size"), g_strdup ("0x10000000"));
  g_hash_table_insert (answers, g_strdup ("battery-voltage"), g_strdup ("4000"));
  g_hash_table_insert (answers, g_strdup ("current-slot"), g_strdup ("a"));
  g_hash_table_insert (answers, g_strdup ("has-slot:boot"), g_strdup ("yes"));
  return 0;
}

static void
read_rom (UbRom *rom)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *anti = NULL;
  GStrv codenames;
  GHashTable *md5s;

  ub_rom_get_device (rom);
  ub_rom_get_version (rom);
  ub_rom_get_android_version (rom);
  ub_rom_get_region (rom);
  ub_rom_get_misc (rom, "device");
  codenames = ub_rom_get_codenames (rom);
  for (guint i = 0; codenames != NULL && codenames[i] != NULL; i++)
    g_assert_cmpuint (strlen (codenames[i]), >, 0);
  md5s = ub_rom_get_md5sums (rom);
  if (md5s != NULL)
    {
      GHashTableIter iter;
      gpointer key, value;

      /* what the reader promises: "images/<name>" → 32 lower-case hex */
      g_hash_table_iter_init (&iter, md5s);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          g_assert_true (g_str_has_prefix (key, "images/"));
          g_assert_null (strchr ((const char *) key + 7, '/'));
          g_assert_cmpuint (strlen (value), ==, 32);
          g_assert_cmpuint (strspn (value, "0123456789abcdef"), ==, 32);
        }
    }
  anti = ub_rom_read_text (rom, "images/anti_version.txt", &error);
}

static void
run_checks (UbRom *rom)
{
  g_autoptr(UbFuzzTransport) transport = ub_fuzz_transport_new (NULL, 0);
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *checks;

  ub_fuzz_transport_set_answers (transport, answers);
  client = ub_fastboot_client_new (UB_TRANSPORT (transport));
  preflight = ub_preflight_new (rom, UB_ROM_MODE_CLEAN_ALL);
  if (!ub_preflight_run (preflight, client, NULL, NULL, &error))
    {
      g_assert_nonnull (error);
      return;
    }
  checks = ub_preflight_get_checks (preflight);
  g_assert_nonnull (checks);
  g_assert_cmpuint (checks->len, >, 0);
  if (g_getenv ("UB_FUZZ_VERBOSE") != NULL)
    for (guint i = 0; i < checks->len; i++)
      {
        UbCheck *check = g_ptr_array_index (checks, i);
        g_printerr ("%s: %s %s\n", check->id, ub_check_status_to_string (check->status),
                    check->title);
      }
  /* a checked plan only when nothing failed */
  if (ub_preflight_get_passed (preflight))
    g_assert_nonnull (ub_preflight_get_plan (preflight));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *path = NULL;
  g_autoptr(UbRom) rom = NULL;
  g_autoptr(GError) error = NULL;

  if (rom_dir == NULL)
    LLVMFuzzerInitialize (NULL, NULL);
  path = g_build_filename (rom_dir, UB_FUZZ_FILE, NULL);
  ub_fuzz_write_file (path, data, size);
  rom = ub_rom_new_for_folder (rom_dir, &error);
  if (rom == NULL)
    {
      g_assert_nonnull (error);
      return 0;
    }
  read_rom (rom);
  run_checks (rom);
  return 0;
}
