/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The demo mode's backend (UbEmuDemo): its generated ROM is accepted by the
 * real ROM code and passes the checks against its phone in every mode, the
 * checks refuse a ROM for another model and an anti-rollback downgrade, a
 * whole flash puts the images' bytes on the partitions, the rate limit is
 * never faster than asked, and the phone can be used again after a flash.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "ub-emu-demo.h"
#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-flash-job.h"
#include "ub-preflight.h"
#include "ub-rom.h"
#include "ub-sparse-image.h"
#include "ub-transport-open.h"

#include "ub-test-utils.h"
#include "ub-test-preflight.h"

#define MIB (1024 * 1024)

static UbEmuDemo *
demo_new (void)
{
  g_autoptr(GError) error = NULL;
  UbEmuDemo *demo = ub_emu_demo_new (&error);

  g_assert_no_error (error);
  g_assert_nonnull (demo);
  return demo;
}

static char *
demo_rom (UbEmuDemo  *demo,
          const char *product)
{
  g_autoptr(GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  char *path = ub_emu_demo_write_rom (demo, product, &error);

  g_assert_no_error (error);
  g_assert_nonnull (path);
  g_test_message ("ROM for %s written in %.3f s", product ? product : "alioth",
                  (g_get_monotonic_time () - start) / 1e6);
  return path;
}

static UbFastbootClient *
connect_to (const char *address)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbTransport) transport = ub_transport_open (address, NULL, &error);

  g_assert_no_error (error);
  return ub_fastboot_client_new (transport);
}

static UbPreflight *
check (UbEmuDemo  *demo,
       const char *rom_path,
       UbRomMode   mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) rom = ub_rom_open (rom_path, NULL, NULL, NULL, &error);

  g_assert_no_error (error);
  return ub_test_preflight_run (rom, mode, ub_emu_demo_get_address (demo));
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static GAsyncResult *
wait_result (GAsyncResult **result)
{
  while (*result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return *result;
}

/* ub_rom_open_async: the ROM and the progress finished; the errors of ub_rom_open */
static void
test_rom_async (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autofree char *path = demo_rom (demo, NULL);
  g_autofree char *missing = g_build_filename (ub_emu_demo_get_dir (demo), "missing.tgz", NULL);
  g_autoptr(UbProgress) progress = ub_progress_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  GAsyncResult *result = NULL;
  UbRom *rom;

  ub_rom_open_async (path, NULL, progress, NULL, store_result, &result);
  rom = ub_rom_open_finish (wait_result (&result), &error);
  g_assert_no_error (error);
  g_assert_nonnull (rom);
  g_assert_cmpstr (ub_rom_get_device (rom), ==, "alioth");
  g_assert_cmpstr (ub_rom_get_source (rom), ==, path);
  g_assert_true (ub_progress_get_done (progress));
  g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (progress), 1, 1e-9);
  g_object_unref (rom);
  g_clear_object (&result);

  ub_rom_open_async (missing, NULL, NULL, NULL, store_result, &result);
  g_assert_null (ub_rom_open_finish (wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_clear_object (&result);

  g_cancellable_cancel (cancellable);
  ub_rom_open_async (path, NULL, NULL, cancellable, store_result, &result);
  g_assert_null (ub_rom_open_finish (wait_result (&result), &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&result);
}

/* ub_preflight_run_async: the checks' UbProgress, delivered here, done at the end */
static void
on_checks_changed (UbProgress *progress, guint *n_changed)
{
  (*n_changed)++;
}

static void
test_preflight_async (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autofree char *path = demo_rom (demo, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) rom = ub_rom_open (path, NULL, NULL, NULL, &error);
  g_autoptr(UbPreflight) preflight = ub_preflight_new (rom, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbProgress) progress = ub_progress_new ();
  g_autoptr(GAsyncResult) result = NULL;
  guint n_changed = 0;

  g_assert_no_error (error);
  g_signal_connect (progress, "changed", G_CALLBACK (on_checks_changed), &n_changed);
  ub_preflight_run_async (preflight, ub_emu_demo_get_address (demo), progress, NULL, store_result, &result);
  g_assert_true (ub_preflight_run_finish (preflight, wait_result (&result), &error));
  g_assert_no_error (error);
  if (!ub_preflight_get_passed (preflight))
    ub_test_print_checks (preflight);
  g_assert_true (ub_preflight_get_passed (preflight));
  g_assert_true (ub_progress_get_done (progress));
  g_assert_cmpuint (ub_progress_get_n_steps (progress), ==, 3);
  /* the final ::changed is on its way at once */
  while (g_main_context_iteration (NULL, FALSE));
  g_assert_cmpuint (n_changed, >=, 1);
  g_clear_object (&result);

  /* a phone that is not there: the error of opening it */
  {
    g_autoptr(UbPreflight) other = ub_preflight_new (rom, UB_ROM_MODE_CLEAN_ALL);

    ub_preflight_run_async (other, "tcp:127.0.0.1:1", NULL, NULL, store_result, &result);
    g_assert_false (ub_preflight_run_finish (other, wait_result (&result), &error));
    g_assert_nonnull (error);
  }
}

static void
assert_passed (UbPreflight *preflight)
{
  if (!ub_preflight_get_passed (preflight))
    ub_test_print_checks (preflight);
  g_assert_true (ub_preflight_get_passed (preflight));
}

static void
test_rom (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autofree char *path = demo_rom (demo, NULL);
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) rom = ub_rom_open (path, NULL, NULL, NULL, &error);
  GStrv codenames = NULL;   /* owned by the ROM */

  g_assert_no_error (error);
  g_assert_cmpstr (base, ==, "alioth_global_images_" UB_EMU_DEMO_ROM_VERSION "_13.0");
  g_assert_true (g_str_has_prefix (path, ub_emu_demo_get_dir (demo)));
  g_assert_cmpstr (ub_rom_get_device (rom), ==, "alioth");
  g_assert_cmpstr (ub_rom_get_version (rom), ==, UB_EMU_DEMO_ROM_VERSION);
  g_assert_cmpstr (ub_rom_get_android_version (rom), ==, "13.0");
  g_assert_cmpstr (ub_rom_get_region (rom), ==, "Global");
  codenames = ub_rom_get_codenames (rom);
  g_assert_cmpuint (g_strv_length (codenames), ==, 1);
  g_assert_cmpstr (codenames[0], ==, "alioth");
  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      g_autoptr(UbPreflight) preflight = check (demo, path, m);
      UbFlashPlan *plan = ub_preflight_get_plan (preflight);

      g_test_message ("%s: %u steps, %" G_GUINT64_FORMAT " bytes", ub_rom_mode_to_string (m),
                      ub_flash_plan_get_n_steps (plan), ub_flash_plan_get_total_bytes (plan));
      assert_passed (preflight);
      g_assert_nonnull (ub_test_find_check (preflight, "product", UB_CHECK_PASSED));
      g_assert_cmpstr (ub_test_find_check (preflight, "anti-rollback", UB_CHECK_PASSED)->title, ==,
                       "The ROM's anti-rollback version (1) is not lower than the phone's (1).");
      g_assert_nonnull (ub_test_find_check (preflight, "md5", UB_CHECK_PASSED));
      g_assert_cmpuint (ub_flash_plan_get_total_bytes (plan), >=, 64 * MIB);
      g_assert_cmpuint (ub_flash_plan_get_total_bytes (plan), <=, 200 * MIB);
      g_assert_cmpint (ub_flash_plan_erases_data (plan), ==, m != UB_ROM_MODE_KEEP_DATA);
      g_assert_cmpint (ub_flash_plan_locks (plan), ==, m == UB_ROM_MODE_CLEAN_ALL_LOCK);
    }
  /* nothing was written by the checks */
  g_assert_cmpuint (ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (demo)), ==, 0);

  /* deterministic: a second ROM is the same, file for file */
  {
    GHashTable *first = ub_rom_get_md5sums (rom);
    g_autofree char *again = demo_rom (demo, NULL);
    g_autoptr(UbRom) rom2 = ub_rom_new_for_folder (again, &error);
    GHashTable *second;
    GHashTableIter iter;
    gpointer key, value;

    g_assert_no_error (error);
    g_assert_cmpstr (again, ==, path);
    second = ub_rom_get_md5sums (rom2);
    g_assert_cmpuint (g_hash_table_size (first), ==, g_hash_table_size (second));
    g_assert_cmpuint (g_hash_table_size (first), >=, 30);
    g_hash_table_iter_init (&iter, first);
    while (g_hash_table_iter_next (&iter, &key, &value))
      g_assert_cmpstr (g_hash_table_lookup (second, key), ==, value);
  }
}

static void
test_refusals (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autofree char *alioth = demo_rom (demo, NULL);
  g_autofree char *venus = demo_rom (demo, "venus");

  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      g_autoptr(UbPreflight) preflight = check (demo, venus, m);
      const UbCheck *c = ub_test_find_check (preflight, "product", UB_CHECK_FAILED);

      g_assert_false (ub_preflight_get_passed (preflight));
      g_assert_nonnull (c);
      g_assert_cmpstr (c->title, ==, "This ROM is for venus, but this phone is alioth.");
    }

  ub_emu_phone_set_var (ub_emu_demo_get_phone (demo), "anti", "2");
  for (guint m = 0; m < UB_ROM_N_MODES; m++)
    {
      g_autoptr(UbPreflight) preflight = check (demo, alioth, m);
      const UbCheck *c = ub_test_find_check (preflight, "anti-rollback", UB_CHECK_FAILED);

      g_assert_false (ub_preflight_get_passed (preflight));
      g_assert_nonnull (c);
      g_assert_cmpstr (c->title, ==, "This ROM is too old for this phone: its anti-rollback "
                                     "version is 1, the phone's is 2.");
      g_assert_nonnull (ub_test_find_check (preflight, "product", UB_CHECK_PASSED));
    }
  g_assert_cmpuint (ub_emu_phone_get_n_writes (ub_emu_demo_get_phone (demo)), ==, 0);
}

/* ---- flashing --------------------------------------------------------------- */

static void
on_finished (UbFlashJob *job,
             gboolean   *finished)
{
  *finished = TRUE;
}

static void
run_job (UbEmuDemo   *demo,
         UbPreflight *preflight)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbFlashJob) job = ub_flash_job_new (ub_preflight_get_plan (preflight),
                                                ub_emu_demo_get_address (demo));
  gint64 deadline = g_get_monotonic_time () + 240 * G_USEC_PER_SEC;
  gboolean finished = FALSE;

  g_signal_connect (job, "finished", G_CALLBACK (on_finished), &finished);
  ub_flash_job_set_lock_confirmed (job, TRUE);
  g_assert_true (ub_flash_job_start (job, &error));
  g_assert_no_error (error);
  while (!finished)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
  if (ub_flash_job_get_error (job) != NULL)
    g_printerr ("%s\n", ub_flash_job_get_error (job)->message);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_test_message ("flashed in %.2f s", ub_flash_job_get_elapsed (job));
}

static void
read_exact (GInputStream *in,
            guint8       *buf,
            gsize         len)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  g_assert_true (g_input_stream_read_all (in, buf, len, &got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (got, ==, len);
}

static guint32
le32 (const guint8 *p)
{
  return p[0] | (p[1] << 8) | (p[2] << 16) | ((guint32) p[3] << 24);
}

/* The partition starts with the image's bytes: raw as it is, sparse expanded
 * (DONT_CARE as zeros: the demo phone's partitions start empty). */
static void
assert_partition_holds (UbEmuDemo  *demo,
                        const char *partition,
                        const char *image)
{
  g_autofree char *part_path = ub_emu_phone_get_partition_path (ub_emu_demo_get_phone (demo), partition);
  g_autoptr(GFile) part_file = g_file_new_for_path (part_path);
  g_autoptr(GFile) image_file = g_file_new_for_path (image);
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) part = G_INPUT_STREAM (g_file_read (part_file, NULL, &error));
  g_autoptr(GInputStream) img = G_INPUT_STREAM (g_file_read (image_file, NULL, &error));
  g_autofree guint8 *a = g_malloc (MIB);
  g_autofree guint8 *b = g_malloc (MIB);
  guint8 header[UB_SPARSE_HEADER_SIZE];
  g_autoptr(UbSparseImage) parsed = ub_sparse_image_new_from_path (image, &error);
  guint64 compared = 0;

  g_assert_no_error (error);
  if (!ub_sparse_image_is_sparse (parsed))
    {
      for (guint64 left = ub_sparse_image_get_file_size (parsed); left > 0;)
        {
          gsize n = MIN (left, (guint64) MIB);
          read_exact (img, a, n);
          read_exact (part, b, n);
          g_assert_true (memcmp (a, b, n) == 0);
          left -= n;
          compared += n;
        }
      g_assert_cmpuint (compared, ==, ub_sparse_image_get_file_size (parsed));
      return;
    }

  read_exact (img, header, sizeof header);
  g_assert_cmpuint (le32 (header), ==, UB_SPARSE_MAGIC);
  for (guint32 i = 0, n_chunks = le32 (header + 20); i < n_chunks; i++)
    {
      guint8 ch[UB_SPARSE_CHUNK_HEADER_SIZE];
      guint32 type, fill = 0;
      guint64 bytes;

      read_exact (img, ch, sizeof ch);
      type = ch[0] | (ch[1] << 8);
      bytes = (guint64) le32 (ch + 4) * le32 (header + 12);
      if (type == UB_SPARSE_CHUNK_FILL)
        {
          guint8 pattern[4];
          read_exact (img, pattern, 4);
          fill = le32 (pattern);
        }
      for (guint64 left = bytes; left > 0;)
        {
          gsize n = MIN (left, (guint64) MIB);

          if (type == UB_SPARSE_CHUNK_RAW)
            read_exact (img, a, n);
          else
            for (gsize k = 0; k < n; k += 4)
              memcpy (a + k, &fill, 4);   /* DONT_CARE: zeros */
          read_exact (part, b, n);
          g_assert_true (memcmp (a, b, n) == 0);
          left -= n;
          compared += n;
        }
    }
  g_assert_cmpuint (compared, ==, ub_sparse_image_get_expanded_size (parsed));
}

static char *
image_path (const char *rom,
            const char *name)
{
  return g_build_filename (rom, "images", name, NULL);
}

static char *
phone_log (UbEmuDemo *demo)
{
  g_autofree char *path = g_build_filename (ub_emu_phone_get_state_dir (ub_emu_demo_get_phone (demo)),
                                            "writes.log", NULL);
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static void
test_flash (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autofree char *rom = demo_rom (demo, NULL);
  g_autoptr(UbPreflight) preflight = check (demo, rom, UB_ROM_MODE_CLEAN_ALL);
  g_autofree char *boot = image_path (rom, "boot.img");
  g_autofree char *super = image_path (rom, "super.img");
  g_autofree char *userdata = image_path (rom, "userdata.img");
  g_autofree char *log = NULL;
  g_autoptr(GError) error = NULL;
  UbEmuPhone *phone;

  assert_passed (preflight);
  run_job (demo, preflight);
  assert_partition_holds (demo, "boot_a", boot);
  assert_partition_holds (demo, "boot_b", boot);
  assert_partition_holds (demo, "super", super);
  assert_partition_holds (demo, "userdata", userdata);
  log = phone_log (demo);
  g_assert_nonnull (strstr (log, "flash crclist "));
  g_assert_nonnull (strstr (log, "erase metadata\n"));
  g_assert_true (g_str_has_suffix (log, "set_active a\nreboot system\n"));

  /* after the reboot the phone answers again, on a new connection */
  {
    g_autoptr(UbFastbootClient) client = connect_to (ub_emu_demo_get_address (demo));
    g_autofree char *slot = ub_fastboot_client_getvar (client, "current-slot", NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (slot, ==, "a");
  }

  /* a reset gives a fresh phone at the same address */
  {
    g_autofree char *address = g_strdup (ub_emu_demo_get_address (demo));
    g_autofree char *slot = NULL;
    g_autofree char *unlocked = NULL;
    g_autoptr(UbFastbootClient) client = NULL;
    g_autofree char *fresh_log = NULL;

    ub_emu_phone_set_var (ub_emu_demo_get_phone (demo), "unlocked", "no");
    g_assert_true (ub_emu_demo_reset (demo, &error));
    g_assert_no_error (error);
    g_assert_cmpstr (ub_emu_demo_get_address (demo), ==, address);
    phone = ub_emu_demo_get_phone (demo);
    g_assert_cmpuint (ub_emu_phone_get_n_writes (phone), ==, 0);
    fresh_log = phone_log (demo);
    g_assert_cmpstr (fresh_log, ==, "");
    client = connect_to (address);
    slot = ub_fastboot_client_getvar (client, "current-slot", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (slot, ==, "b");
    unlocked = ub_fastboot_client_getvar (client, "unlocked", NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (unlocked, ==, "yes");
    {
      /* boot_a is whole-sized and empty again: its first MiB is zeros (read only that,
       * not the whole 192 MiB) */
      g_autofree char *path = ub_emu_phone_get_partition_path (phone, "boot_a");
      g_autoptr(GFile) file = g_file_new_for_path (path);
      g_autoptr(GInputStream) in = G_INPUT_STREAM (g_file_read (file, NULL, &error));
      g_autofree guint8 *head = g_malloc (MIB);
      g_autofree guint8 *zeros = g_malloc0 (MIB);
      GStatBuf st;

      g_assert_no_error (error);
      g_assert_cmpint (g_stat (path, &st), ==, 0);
      g_assert_cmpuint (st.st_size, ==, 0xC000000);
      read_exact (in, head, MIB);
      g_assert_true (memcmp (head, zeros, MIB) == 0);
    }
  }

  /* and a second run, in the mode that locks, works on it */
  {
    g_autoptr(UbPreflight) again = check (demo, rom, UB_ROM_MODE_CLEAN_ALL_LOCK);
    g_autofree char *locked = NULL;

    assert_passed (again);
    run_job (demo, again);
    assert_partition_holds (demo, "boot_b", boot);
    locked = ub_emu_phone_dup_var (ub_emu_demo_get_phone (demo), "unlocked");
    g_assert_cmpstr (locked, ==, "no");
  }
}

/* ---- rate ------------------------------------------------------------------- */

static void
test_rate (void)
{
  g_autoptr(UbEmuDemo) demo = demo_new ();
  g_autoptr(UbFastbootClient) client = NULL;
  g_autoptr(GError) error = NULL;
  const guint64 rate = 512 * 1024;
  const gsize size = 384 * 1024;
  g_autofree guint8 *data = g_malloc (size);
  gint64 start, elapsed;

  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (i * 7 + 3);

  /* a malformed setting is refused */
  g_assert_false (ub_emu_phone_add_fault (ub_emu_demo_get_phone (demo), "rate:fast", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  ub_emu_demo_set_rate (demo, rate);
  client = connect_to (ub_emu_demo_get_address (demo));
  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, size, NULL);

      start = g_get_monotonic_time ();
      g_assert_true (ub_fastboot_client_download (client, in, size, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
      elapsed = g_get_monotonic_time () - start;
      g_test_message ("%zu bytes at %" G_GUINT64_FORMAT " B/s: %.3f s", size, rate, elapsed / 1e6);
      /* never faster than the rate (a lower bound only: a slow machine may take longer) */
      g_assert_cmpint (elapsed, >=, (gint64) (size * G_USEC_PER_SEC / rate));
    }

  /* the rate survives a reset; the data arrived whole */
  {
    g_autofree char *log = phone_log (demo);
    g_autofree char *sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, data, size);
    g_autofree char *line = g_strdup_printf ("download %zu %s\n", size, sum);

    g_assert_nonnull (strstr (log, line));
  }
  g_clear_object (&client);
  g_assert_true (ub_emu_demo_reset (demo, &error));
  g_assert_no_error (error);
  client = connect_to (ub_emu_demo_get_address (demo));
  {
    g_autoptr(GInputStream) in = g_memory_input_stream_new_from_data (data, size, NULL);

    start = g_get_monotonic_time ();
    g_assert_true (ub_fastboot_client_download (client, in, size, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpint (g_get_monotonic_time () - start, >=, (gint64) (size * G_USEC_PER_SEC / rate));
  }
}

static void
test_cleanup (void)
{
  UbEmuDemo *demo = demo_new ();
  g_autofree char *dir = g_strdup (ub_emu_demo_get_dir (demo));
  g_autofree char *rom = demo_rom (demo, NULL);

  g_assert_true (g_file_test (rom, G_FILE_TEST_IS_DIR));
  g_object_unref (demo);
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("ub-demo-cache-XXXXXX", NULL);
  int status;

  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "", TRUE);
  /* the digest cache of the checks goes to a folder of the test */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo/rom", test_rom);
  g_test_add_func ("/demo/rom-async", test_rom_async);
  g_test_add_func ("/demo/preflight-async", test_preflight_async);
  g_test_add_func ("/demo/refusals", test_refusals);
  g_test_add_func ("/demo/flash", test_flash);
  g_test_add_func ("/demo/rate", test_rate);
  g_test_add_func ("/demo/cleanup", test_cleanup);
  status = g_test_run ();
  ub_test_rm_rf (cache);
  return status;
}
