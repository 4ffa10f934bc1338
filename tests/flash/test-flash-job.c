/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * ROM → checks → plan → flash job, in-process against emulated phones served
 * over TCP: the bytes that land on the partitions, the exact refusals (with
 * nothing written), unplug and resume, cancel, a late write error, two
 * phones at once, and that every signal arrives on the main thread.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "ub-emu-phone.h"
#include "ub-emu-tcp-server.h"
#include "ub-fastboot-client.h"
#include "ub-fastboot-error.h"
#include "ub-flash-job.h"
#include "ub-preflight.h"
#include "ub-resume-point.h"
#include "ub-rom.h"
#include "ub-rom-error.h"
#include "ub-sparse-image.h"
#include "ub-transport-open.h"

#include "ub-test-phone.h"
#include "ub-test-utils.h"
#include "ub-test-preflight.h"

#define KIB 1024
#define MIB (1024 * 1024)
#define VBMETA_SIZE (64 * KIB)

static const char *script_text =
  "fastboot $* getvar product 2>&1 | grep -E  \"^product: *piano\"\n"
  "if [ $? -ne 0  ] ; then echo \"Missmatching image and device\"; exit 1; fi\n"
  "if [ -e $(dirname $0)/images/anti_version.txt ]; then\n"
  "CURRENT_ANTI_VER=`cat $(dirname $0)/images/anti_version.txt`\n"
  "fi\n"
  "if [ -z \"$CURRENT_ANTI_VER\" ]; then CURRENT_ANTI_VER=0; fi\n"
  "ver=`fastboot $* getvar anti 2>&1 | grep -oP \"anti: \\K[0-9]+\"`\n"
  "if [ -z \"$ver\" ]; then ver=0; fi\n"
  "if [ $ver -gt $CURRENT_ANTI_VER ]; then echo \"Current device antirollback version is greater than this pakcage\"; exit 1; fi\n"
  "fastboot $* getvar crc 2>&1 | grep \"^crc: 1\"\n"
  "if [ $? -eq 0 ]; then\n"
  "fastboot $* flash crclist `dirname $0`/images/crclist.txt\n"
  "if [ $? -ne 0 ] ; then echo \"Flash crclist error\"; exit 1; fi\n"
  "fi\n"
  "fastboot $* erase boot_ab\n"
  "if [ $? -ne 0 ] ; then echo \"Erase boot error\"; exit 1; fi\n"
  "fastboot $* flash abl_ab `dirname $0`/images/abl.elf\n"
  "if [ $? -ne 0 ] ; then echo \"Flash abl error\"; exit 1; fi\n"
  "fastboot $* flash tz_ab `dirname $0`/images/tz.mbn\n"
  "if [ $? -ne 0 ] ; then echo \"Flash tz error\"; exit 1; fi\n"
  "fastboot $* erase apdp\n"
  "fastboot $* flash super `dirname $0`/images/super.img\n"
  "if [ $? -ne 0 ] ; then echo \"Flash super error\"; exit 1; fi\n"
  "fastboot $* flash misc `dirname $0`/images/misc.img\n"
  "if [ $? -ne 0 ] ; then echo \"Flash misc error\"; exit 1; fi\n"
  "fastboot $* flash boot_ab `dirname $0`/images/boot.img\n"
  "if [ $? -ne 0 ] ; then echo \"Flash boot error\"; exit 1; fi\n"
  "fastboot $* set_active a\n"
  "if [ $? -ne 0 ] ; then echo \"set_active a error\"; exit 1; fi\n"
  "fastboot $* reboot\n"
  "if [ $? -ne 0 ] ; then echo \"Reboot error\"; exit 1; fi\n";

/* images/… and their sizes (super.img is built as a sparse image) */
static const struct { const char *name; guint size; } raw_images[] = {
  { "abl.elf", 200 * KIB + 123 }, { "tz.mbn", 64 * KIB }, { "misc.img", 8 * KIB },
  { "boot.img", 700 * KIB },
};

typedef struct {
  char           *dir;
  char           *rom;          /* the ROM folder (inside a double folder) */
  GBytes         *super_raw;    /* what super.img expands to */
} Rom;

/* dir, phone, server, address */
typedef UbTestPhone Phone;

static guint32
rng_next (guint32 *state)
{
  *state ^= *state << 13;
  *state ^= *state >> 17;
  *state ^= *state << 5;
  return *state;
}

static GBytes *
random_bytes (gsize   size,
              guint32 seed)
{
  guint8 *data = g_malloc (size);
  guint32 state = seed | 1;

  for (gsize i = 0; i < size; i++)
    data[i] = rng_next (&state) >> 24;
  return g_bytes_new_take (data, size);
}

static void
put32 (GByteArray *b,
       guint32     v)
{
  guint8 le[4] = { v, v >> 8, v >> 16, v >> 24 };
  g_byte_array_append (b, le, 4);
}

static void
put16 (GByteArray *b,
       guint16     v)
{
  guint8 le[2] = { v, v >> 8 };
  g_byte_array_append (b, le, 2);
}

static void
chunk (GByteArray *b,
       guint16     type,
       guint32     blocks,
       guint32     total_size)
{
  put16 (b, type);
  put16 (b, 0);
  put32 (b, blocks);
  put32 (b, total_size);
}

/* A sparse super.img: raw, fill, don't care, raw (9 MiB expanded, 2.5 MiB of data). */
static void
write_super (const char *path,
             GBytes    **expanded)
{
  const guint32 bs = 4096;
  g_autoptr(GBytes) a = random_bytes (2 * MIB, 11);
  g_autoptr(GBytes) c = random_bytes (512 * KIB, 12);
  g_autoptr(GByteArray) file = g_byte_array_new ();
  GByteArray *raw = g_byte_array_new ();
  guint32 fill = 0xcafef00d;
  guint32 blocks = (2 * MIB + 2 * MIB + 4 * MIB + 512 * KIB) / bs;
  g_autoptr(GError) error = NULL;

  put32 (file, UB_SPARSE_MAGIC);
  put16 (file, 1);
  put16 (file, 0);
  put16 (file, 28);
  put16 (file, 12);
  put32 (file, bs);
  put32 (file, blocks);
  put32 (file, 4);
  put32 (file, 0);
  chunk (file, UB_SPARSE_CHUNK_RAW, 2 * MIB / bs, 12 + 2 * MIB);
  g_byte_array_append (file, g_bytes_get_data (a, NULL), 2 * MIB);
  chunk (file, UB_SPARSE_CHUNK_FILL, 2 * MIB / bs, 16);
  put32 (file, fill);
  chunk (file, UB_SPARSE_CHUNK_DONT_CARE, 4 * MIB / bs, 12);
  chunk (file, UB_SPARSE_CHUNK_RAW, 512 * KIB / bs, 12 + 512 * KIB);
  g_byte_array_append (file, g_bytes_get_data (c, NULL), 512 * KIB);
  g_assert_true (g_file_set_contents (path, (const char *) file->data, file->len, &error));

  g_byte_array_append (raw, g_bytes_get_data (a, NULL), 2 * MIB);
  for (guint i = 0; i < 2 * MIB / 4; i++)
    g_byte_array_append (raw, (guint8 *) &fill, 4);
  g_byte_array_set_size (raw, raw->len + 4 * MIB);
  memset (raw->data + raw->len - 4 * MIB, 0, 4 * MIB);
  g_byte_array_append (raw, g_bytes_get_data (c, NULL), 512 * KIB);
  *expanded = g_byte_array_free_to_bytes (raw);
}

static Rom *
rom_new (const char *script)
{
  Rom *rom = g_new0 (Rom, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *images = NULL;
  g_autoptr(GString) md5 = g_string_new ("<?xml version=\"1.0\" ?>\n<root>\n  <digests>\n");
  const char *names[] = { "abl.elf", "tz.mbn", "misc.img", "boot.img", "super.img",
                          "crclist.txt", "anti_version.txt", "vbmeta.img" };

  rom->dir = g_dir_make_tmp ("ub-flash-rom-XXXXXX", &error);
  g_assert_no_error (error);
  /* the double folder an unpacked .tgz gives */
  rom->rom = g_build_filename (rom->dir, "piano_images_OS3.0.9.0.WPYCNXM_16.0_0123456789",
                               "piano_images_OS3.0.9.0.WPYCNXM_16.0", NULL);
  images = g_build_filename (rom->rom, "images", NULL);
  g_assert_cmpint (g_mkdir_with_parents (images, 0755), ==, 0);
  {
    g_autofree char *p = g_build_filename (rom->rom, "flash_all.sh", NULL);
    g_assert_true (g_file_set_contents (p, script ? script : script_text, -1, NULL));
  }
  {
    g_autofree char *p = g_build_filename (rom->rom, "misc.txt", NULL);
    g_assert_true (g_file_set_contents (p, "device=piano\nbuild_number=OS3.0.9.0.WPYCNXM\n", -1, NULL));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (raw_images); i++)
    {
      g_autofree char *p = g_build_filename (images, raw_images[i].name, NULL);
      g_autoptr(GBytes) data = random_bytes (raw_images[i].size, 100 + i);
      g_assert_true (g_file_set_contents (p, g_bytes_get_data (data, NULL), raw_images[i].size, NULL));
    }
  {
    g_autofree char *p = g_build_filename (images, "super.img", NULL);
    write_super (p, &rom->super_raw);
  }
  {
    g_autofree char *p = g_build_filename (images, "crclist.txt", NULL);
    g_assert_true (g_file_set_contents (p, "CRC-LIST\nboot 0x12345678\n", -1, NULL));
  }
  {
    g_autofree char *p = g_build_filename (images, "anti_version.txt", NULL);
    g_assert_true (g_file_set_contents (p, "1\n", -1, NULL));
  }
  {
    /* a vbmeta image: "AVB0", flags (big-endian at 120) 0, then anything */
    g_autofree char *p = g_build_filename (images, "vbmeta.img", NULL);
    g_autoptr(GBytes) data = random_bytes (VBMETA_SIZE, 99);
    g_autofree guint8 *v = g_memdup2 (g_bytes_get_data (data, NULL), VBMETA_SIZE);

    memcpy (v, "AVB0", 4);
    memset (v + 120, 0, 4);
    g_assert_true (g_file_set_contents (p, (const char *) v, VBMETA_SIZE, NULL));
  }
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (images, names[i], NULL);
      g_autofree char *sum = ub_test_md5_of_file (p);
      g_string_append_printf (md5, "    <digest hash=\"md5\" name=\"%s\">%s</digest>\n", names[i], sum);
    }
  g_string_append (md5, "  </digests>\n</root>\n");
  {
    g_autofree char *p = g_build_filename (rom->rom, "md5sum.xml", NULL);
    g_assert_true (g_file_set_contents (p, md5->str, -1, NULL));
  }
  return rom;
}

static void
rom_free (Rom *rom)
{
  ub_test_rm_rf (rom->dir);
  g_free (rom->dir);
  g_free (rom->rom);
  g_bytes_unref (rom->super_raw);
  g_free (rom);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Rom, rom_free)

static char *
rom_image (Rom        *rom,
           const char *name)
{
  return g_build_filename (rom->rom, "images", name, NULL);
}

/* A piano-like phone; @extra is more profile lines ("key=value" in [device] or whole groups). */
static Phone *
phone_new (const char *serial,
           const char *device_extra,
           const char *partitions_extra)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *profile = g_strdup_printf (
    "[device]\n"
    "product=piano\n"
    "serialno=%s\n"
    "unlocked=yes\n"
    "anti=1\n"
    "crc=1\n"
    "current-slot=a\n"
    "battery-soc-ok=yes\n"
    "max-download-size=1048576\n"
    "%s"
    "[partitions]\n"
    "abl_ab=0x100000\n"
    "tz_ab=0x100000\n"
    "apdp=0x40000\n"
    "misc=0x10000\n"
    "super=0x1000000\n"
    "%s",
    serial, device_extra ? device_extra : "",
    partitions_extra ? partitions_extra : "boot_ab=0x100000\n");

  g_assert_true (g_key_file_load_from_data (kf, profile, -1, G_KEY_FILE_NONE, &error));
  g_assert_no_error (error);
  return ub_test_phone_new (kf);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Phone, ub_test_phone_free)

static GBytes *
partition_bytes (Phone      *phone,
                 const char *name,
                 gsize       length)
{
  g_autofree char *path = ub_emu_phone_get_partition_path (phone->phone, name);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_nonnull (path);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, >=, length);
  return g_bytes_new (data, length);
}

static void
assert_partition_holds (Phone      *phone,
                        const char *partition,
                        GBytes     *expected)
{
  g_autoptr(GBytes) got = partition_bytes (phone, partition, g_bytes_get_size (expected));
  g_assert_true (g_bytes_equal (got, expected));
}

static void
assert_partition_holds_file (Phone      *phone,
                             const char *partition,
                             const char *path)
{
  g_autofree char *data = NULL;
  gsize len;
  g_autoptr(GBytes) expected = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  expected = g_bytes_new (data, len);
  assert_partition_holds (phone, partition, expected);
}

static void
assert_flashed (Rom   *rom,
                Phone *phone)
{
  const struct { const char *partition; const char *image; } expect[] = {
    { "abl_a", "abl.elf" }, { "abl_b", "abl.elf" }, { "tz_a", "tz.mbn" }, { "tz_b", "tz.mbn" },
    { "misc", "misc.img" }, { "boot_a", "boot.img" }, { "boot_b", "boot.img" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      g_autofree char *path = rom_image (rom, expect[i].image);
      assert_partition_holds_file (phone, expect[i].partition, path);
    }
  assert_partition_holds (phone, "super", rom->super_raw);
}

static UbPreflight *
check (Rom       *rom,
       Phone     *phone,
       UbRomMode  mode)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) r = ub_rom_new_for_folder (rom->dir, &error);

  g_assert_no_error (error);
  return ub_test_preflight_run (r, mode, phone->address);
}

static void
assert_refused (UbPreflight *preflight,
                Phone       *phone,
                const char  *id,
                const char  *title)
{
  const UbCheck *c = ub_test_find_check (preflight, id, UB_CHECK_FAILED);
  g_autofree char *log = ub_test_phone_dup_log (phone);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbFlashJob) job = NULL;

  g_assert_nonnull (c);
  g_assert_cmpstr (c->title, ==, title);
  g_assert_nonnull (c->next_step);
  g_assert_false (ub_preflight_get_passed (preflight));
  /* nothing reached the phone, and a job refuses the plan */
  g_assert_cmpstr (log, ==, "");
  g_assert_cmpuint (ub_emu_phone_get_n_writes (phone->phone), ==, 0);
  if (ub_preflight_get_plan (preflight) != NULL)
    {
      job = ub_flash_job_new (ub_preflight_get_plan (preflight), phone->address);
      g_assert_false (ub_flash_job_start (job, &error));
      g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT);
    }
}

/* ---- running jobs ---------------------------------------------------------- */

typedef struct _Watch {
  GThread *main_thread;
  guint    wrong_thread;
  guint64  last_done;
  gboolean regressed;
  guint    steps_started;
  GString *log;
  gboolean finished;
  guint    cancel_at_step;   /* G_MAXUINT: never */
  gboolean cancel_twice;
  struct _Watch *other;      /* another job's watch (two phones at once) */
  gboolean other_was_busy;   /* at the finish, the other job had sent bytes and was not done */
  guint    n_changed;        /* the job's UbProgress ::changed */
  double   last_fraction;
  gboolean fraction_regressed;
} Watch;

static void
watch_thread (Watch *w)
{
  if (g_thread_self () != w->main_thread)
    w->wrong_thread++;
}

static void
on_step_started (UbFlashJob *job,
                 guint       index,
                 Watch      *w)
{
  watch_thread (w);
  w->steps_started++;
  if (index == w->cancel_at_step)
    {
      ub_flash_job_cancel (job);
      g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_STOPPING);
      if (w->cancel_twice)
        ub_flash_job_cancel (job);
    }
}

static void
on_progress (UbFlashJob            *job,
             const UbFlashProgress *p,
             Watch                 *w)
{
  watch_thread (w);
  if (p->done < w->last_done)
    w->regressed = TRUE;
  w->last_done = p->done;
  g_assert_cmpuint (p->done, <=, p->total);
  g_assert_cmpuint (p->step_done, <=, p->step_total);
}

static void
on_progress_changed (UbProgress *progress,
                     Watch      *w)
{
  double fraction = ub_progress_get_fraction (progress);

  watch_thread (w);
  w->n_changed++;
  if (fraction < w->last_fraction)
    w->fraction_regressed = TRUE;
  w->last_fraction = fraction;
  g_assert_cmpuint (ub_progress_get_bytes_done (progress), <=, ub_progress_get_bytes_total (progress));
}

static void
on_log (UbFlashJob *job,
        const char *line,
        Watch      *w)
{
  watch_thread (w);
  g_string_append_printf (w->log, "%s\n", line);
}

static void
on_finished (UbFlashJob *job,
             Watch      *w)
{
  watch_thread (w);
  w->finished = TRUE;
  if (w->other != NULL)
    w->other_was_busy = !w->other->finished && w->other->last_done > 0;
}

static void
watch_init (Watch      *w,
            UbFlashJob *job)
{
  memset (w, 0, sizeof *w);
  w->main_thread = g_thread_self ();
  w->log = g_string_new (NULL);
  w->cancel_at_step = G_MAXUINT;
  g_signal_connect (job, "step-started", G_CALLBACK (on_step_started), w);
  g_signal_connect (job, "progress", G_CALLBACK (on_progress), w);
  g_signal_connect (ub_flash_job_get_progress (job), "changed", G_CALLBACK (on_progress_changed), w);
  g_signal_connect (job, "log", G_CALLBACK (on_log), w);
  g_signal_connect (job, "finished", G_CALLBACK (on_finished), w);
}

static void
watch_clear (Watch *w)
{
  g_string_free (w->log, TRUE);
}

static void
run_until_finished (Watch *w)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (!w->finished)
    {
      g_main_context_iteration (NULL, TRUE);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static UbFlashJob *
start_job (UbPreflight *preflight,
           Phone       *phone,
           Watch       *w)
{
  g_autoptr(GError) error = NULL;
  UbFlashJob *job;

  g_assert_true (ub_preflight_get_passed (preflight));
  job = ub_flash_job_new (ub_preflight_get_plan (preflight), phone->address);
  watch_init (w, job);
  g_assert_true (ub_flash_job_start (job, &error));
  g_assert_no_error (error);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_RUNNING);
  return job;
}

static guint
step_index (UbFlashPlan *plan,
            const char  *description)
{
  for (guint i = 0; i < ub_flash_plan_get_n_steps (plan); i++)
    {
      g_autofree char *d = ub_flash_step_describe (ub_flash_plan_get_step (plan, i));
      if (g_str_equal (d, description))
        return i;
    }
  g_assert_not_reached ();
}

/* The cable goes @bytes into the step described as @description (a
 * disconnect fault); returns that step's index. */
static guint
unplug_in_step (Phone       *phone,
                UbFlashPlan *plan,
                const char  *description,
                guint64      bytes)
{
  g_autoptr(GError) error = NULL;
  guint step = step_index (plan, description);
  g_autofree char *fault = g_strdup_printf ("disconnect-after:%" G_GUINT64_FORMAT,
                                            ub_flash_plan_get_bytes_before (plan, step) + bytes);

  g_assert_true (ub_emu_phone_add_fault (phone->phone, fault, &error));
  g_assert_no_error (error);
  return step;
}

/* The phone is back (faults gone): a resume finishes and every partition is right. */
static void
resume_to_success (UbFlashJob *job,
                   Watch      *w,
                   Rom        *rom,
                   Phone      *phone)
{
  g_autoptr(GError) error = NULL;

  ub_emu_phone_clear_faults (phone->phone);
  w->finished = FALSE;
  w->cancel_at_step = G_MAXUINT;
  g_assert_true (ub_flash_job_resume (job, &error));
  g_assert_no_error (error);
  run_until_finished (w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  assert_flashed (rom, phone);
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_happy (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO001", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autofree char *log = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  Watch w;

  g_assert_true (ub_preflight_get_passed (preflight));
  g_assert_nonnull (ub_test_find_check (preflight, "product", UB_CHECK_PASSED));
  g_assert_cmpstr (ub_test_find_check (preflight, "product", UB_CHECK_PASSED)->title, ==,
                   "The ROM is made for this phone (piano).");
  g_assert_cmpstr (ub_test_find_check (preflight, "anti-rollback", UB_CHECK_PASSED)->title, ==,
                   "The ROM's anti-rollback version (1) is not lower than the phone's (1).");
  g_assert_cmpstr (ub_test_find_check (preflight, "md5", UB_CHECK_PASSED)->title, ==,
                   "6 files match their checksums in md5sum.xml.");
  g_assert_nonnull (ub_test_find_check (preflight, "data", UB_CHECK_PASSED));
  /* crclist (crc: 1), erase boot_ab, abl, tz, erase apdp, super, misc, boot, set_active, reboot */
  g_assert_cmpuint (ub_flash_plan_get_n_steps (plan), ==, 10);
  g_assert_cmpstr (ub_flash_plan_get_serial (plan), ==, "PIANO001");
  /* super goes in 1 MiB pieces */
  g_assert_cmpuint (ub_sparse_image_get_n_pieces (ub_flash_plan_get_image (plan, step_index (plan, "flash super images/super.img"))),
                    >=, 3);
  g_assert_cmpuint (ub_emu_phone_get_n_writes (phone->phone), ==, 0);

  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_false (ub_flash_job_get_needs_attention (job));
  g_assert_null (ub_flash_job_get_error (job));
  g_assert_cmpuint (w.wrong_thread, ==, 0);
  g_assert_false (w.regressed);
  g_assert_cmpuint (w.last_done, ==, ub_flash_plan_get_total_bytes (plan));
  g_assert_cmpuint (w.steps_started, ==, 10);
  /* the job's UbProgress: one step per plan step, all done, every byte counted */
  {
    UbProgress *progress = ub_flash_job_get_progress (job);

    g_assert_cmpuint (w.n_changed, >, 0);
    g_assert_false (w.fraction_regressed);
    g_assert_true (ub_progress_get_done (progress));
    g_assert_cmpfloat_with_epsilon (ub_progress_get_fraction (progress), 1, 1e-9);
    g_assert_cmpuint (ub_progress_get_n_steps (progress), ==, 10);
    g_assert_cmpuint (ub_progress_get_bytes_total (progress), ==, ub_flash_plan_get_total_bytes (plan));
    g_assert_cmpuint (ub_progress_get_bytes_done (progress), ==, ub_flash_plan_get_total_bytes (plan));
    g_assert_cmpint (ub_progress_get_seconds_left (progress), ==, 0);
  }
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "Your phone is restarting. The first start can take up to 10 minutes; leave it "
                   "connected to power.");
  assert_flashed (rom, phone);
  log = ub_test_phone_dup_log (phone);
  g_assert_nonnull (strstr (log, "erase boot_a\nerase boot_b\n"));
  g_assert_nonnull (strstr (log, "erase apdp\n"));
  g_assert_nonnull (strstr (log, "set_active a\nreboot system\n"));
  g_assert_nonnull (strstr (w.log->str, "(bootloader) Partition abl_a flashed successfully"));
  watch_clear (&w);
}

/* A user-edited script's "fastboot $* -w": userdata and metadata are erased,
 * cache (which this phone does not have) is skipped, as AOSP fastboot does. */
static void
test_wipe (void)
{
  g_autofree char *script = NULL;
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANO001", NULL,
                                      "boot_ab=0x100000\n"
                                      "userdata=0x100000\n"
                                      "metadata=0x10000\n"
                                      "[partition-types]\n"
                                      "userdata=f2fs\n"
                                      "metadata=ext4\n");
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GBytes) old = random_bytes (0x10000, 7);
  g_autoptr(GBytes) zeros = g_bytes_new_take (g_malloc0 (0x10000), 0x10000);
  g_autofree char *log = NULL;
  const char *at = strstr (script_text, "fastboot $* set_active a\n");
  Watch w;

  g_assert_nonnull (at);
  script = g_strdup_printf ("%.*sfastboot $* -w\n%s", (int) (at - script_text), script_text, at);
  rom = rom_new (script);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *path = ub_emu_phone_get_partition_path (phone->phone,
                                                               i ? "metadata" : "userdata");
      FILE *f = fopen (path, "r+b");

      g_assert_nonnull (f);
      g_assert_cmpuint (fwrite (g_bytes_get_data (old, NULL), 1, 0x10000, f), ==, 0x10000);
      fclose (f);
    }
  assert_partition_holds (phone, "userdata", old);

  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_preflight_get_passed (preflight));
  /* the 10 steps of the happy path, and 2 erases: no cache here */
  g_assert_cmpuint (ub_flash_plan_get_n_steps (ub_preflight_get_plan (preflight)), ==, 12);
  g_assert_true (ub_flash_plan_erases_data (ub_preflight_get_plan (preflight)));
  step_index (ub_preflight_get_plan (preflight), "erase userdata");
  step_index (ub_preflight_get_plan (preflight), "erase metadata");

  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  assert_flashed (rom, phone);
  assert_partition_holds (phone, "userdata", zeros);
  assert_partition_holds (phone, "metadata", zeros);
  log = ub_test_phone_dup_log (phone);
  g_assert_nonnull (strstr (log, "erase userdata\nerase metadata\nset_active a\n"));
  g_assert_null (strstr (log, "erase cache"));
  watch_clear (&w);
}

static void
test_refusals (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autofree char *abl = rom_image (rom, "abl.elf");
  g_autofree char *tz = rom_image (rom, "tz.mbn");
  g_autofree char *super = rom_image (rom, "super.img");

  /* phones that differ from the ROM's in one setting */
  const struct {
    const char *device_extra;
    const char *partitions_extra;
    const char *check_id;
    const char *title;
  } phones[] = {
    { "product=alioth\n", NULL, "product", "This ROM is for piano, but this phone is alioth." },
    { "product=pianopro\n", NULL, "product",
      "This ROM is for piano, but this phone is pianopro, a different model." },
    { "anti=2\n", NULL, "anti-rollback",
      "This ROM is too old for this phone: its anti-rollback version is 1, the phone's is 2." },
    { "unlocked=no\n", NULL, "unlocked", "The phone's bootloader is locked." },
    { "battery-soc-ok=no\n", NULL, "battery", "The battery is too low to flash safely." },
    /* boot.img (700 KiB) does not fit a 512 KiB boot_a/boot_b */
    { NULL, "boot_ab=0x80000\n", "partitions",
      "Some images do not fit their partitions: boot.img (716.8\u00a0kB) is larger than "
      "“boot_a” (524.3\u00a0kB)." },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (phones); i++)
    {
      g_autofree char *serial = g_strdup_printf ("P%" G_GSIZE_FORMAT, i + 1);
      g_autoptr(Phone) phone = phone_new (serial, phones[i].device_extra, phones[i].partitions_extra);
      g_autoptr(UbPreflight) p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);

      assert_refused (p, phone, phones[i].check_id, phones[i].title);
    }
  {
    /* no misc partition on this phone */
    g_autoptr(Phone) phone = phone_new ("P7", NULL, "boot_ab=0x100000\n");
    g_autoptr(UbPreflight) p = NULL;
    g_autofree char *script = g_strconcat (script_text,
                                           "fastboot $* flash cust `dirname $0`/images/misc.img\n"
                                           "if [ $? -ne 0 ] ; then echo \"Flash cust error\"; exit 1; fi\n",
                                           NULL);
    g_autoptr(Rom) r2 = rom_new (script);
    p = check (r2, phone, UB_ROM_MODE_CLEAN_ALL);
    assert_refused (p, phone, "partitions",
                    "The phone has no partition named cust, which the ROM writes to.");
  }
  {
    g_autoptr(Phone) phone = phone_new ("P8", NULL, NULL);
    g_autoptr(UbPreflight) p = NULL;

    {
      g_autofree char *moved = g_strconcat (abl, ".away", NULL);
      g_assert_cmpint (g_rename (abl, moved), ==, 0);
      p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      g_assert_cmpint (g_rename (moved, abl), ==, 0);
    }
    assert_refused (p, phone, "images", "A file the ROM needs is missing: images/abl.elf.");
  }
  {
    /* one byte changed after Xiaomi made the ROM */
    g_autoptr(Phone) phone = phone_new ("P9", NULL, NULL);
    g_autoptr(UbPreflight) p = NULL;
    g_autofree char *data = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (tz, &data, &len, NULL));
    data[len / 2] ^= 0x40;
    g_assert_true (g_file_set_contents (tz, data, len, NULL));
    p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
    data[len / 2] ^= 0x40;
    g_assert_true (g_file_set_contents (tz, data, len, NULL));
    assert_refused (p, phone, "md5",
                    "Some files of the ROM are damaged (their checksums do not match md5sum.xml): "
                    "tz.mbn.");
  }
  {
    /* a truncated sparse super.img (md5sum.xml without its entry, so only the chunk table catches it) */
    g_autoptr(Phone) phone = phone_new ("P10", NULL, NULL);
    g_autoptr(UbPreflight) p = NULL;
    g_autofree char *md5 = g_build_filename (rom->rom, "md5sum.xml", NULL);
    g_autofree char *xml = NULL;
    g_autofree char *data = NULL;
    gsize len;

    g_assert_true (g_file_get_contents (md5, &xml, NULL, NULL));
    g_assert_true (g_file_set_contents (md5, "<root><digests/></root>", -1, NULL));
    g_assert_true (g_file_get_contents (super, &data, &len, NULL));
    g_assert_true (g_file_set_contents (super, data, len - 1000, NULL));
    p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
    g_assert_true (g_file_set_contents (super, data, len, NULL));
    g_assert_true (g_file_set_contents (md5, xml, -1, NULL));
    assert_refused (p, phone, "image-format", "Some images are damaged or incomplete: super.img.");
  }
  {
    /* a line the interpreter does not understand: nothing is read from the phone even */
    g_autoptr(Phone) phone = phone_new ("P11", NULL, NULL);
    g_autofree char *script = g_strconcat ("rm -rf /tmp/x\n", script_text, NULL);
    g_autoptr(Rom) r2 = rom_new (script);
    g_autoptr(UbPreflight) p = check (r2, phone, UB_ROM_MODE_CLEAN_ALL);
    const UbCheck *c = ub_test_find_check (p, "script", UB_CHECK_FAILED);

    assert_refused (p, phone, "script",
                    "Unbrick does not understand this ROM's flash script, so it will not use it.");
    g_assert_cmpstr (c->detail, ==,
                     "flash_all.sh, line 1: this is not a flash step Unbrick knows: “rm -rf /tmp/x”");
    g_assert_null (ub_preflight_get_plan (p));
  }
  {
    /* keep-data is not in this ROM */
    g_autoptr(Phone) phone = phone_new ("P12", NULL, NULL);
    g_autoptr(UbPreflight) p = check (rom, phone, UB_ROM_MODE_KEEP_DATA);
    assert_refused (p, phone, "script", "This ROM cannot be flashed in this mode.");
  }
}

/* land_flash_all.bat: the product the script checks depends on the ROM folder's name
 * (here piano_images_OS3.0.9.0.WPYCNXM_16.0). */
static void
test_folder_product (void)
{
  const struct {
    const char *pattern;   /* p stays "pianox" when the folder's name matches it */
    const char *product;
    const char *title;     /* of the failed product check, or NULL: it passes */
  } cases[] = {
    { "CNXM", "product=piano\n", "This ROM is for pianox, but this phone is piano." },
    { "MIXM", "product=pianox\n", "This ROM is for piano, but this phone is pianox." },
    { "MIXM", "product=piano\n", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Rom) rom = rom_new (NULL);
      g_autofree char *sh = g_build_filename (rom->rom, "flash_all.sh", NULL);
      g_autofree char *bat = g_build_filename (rom->rom, "flash_all.bat", NULL);
      g_autofree char *script = g_strdup_printf (
        "set p=\"pianox\"\r\n"
        "for /f \"delims=\" %%%%i in (\"%%cd%%\") do set folder=%%%%~nxi\r\n"
        "echo %%folder%% 2>&1 | findstr /r /c:\"%s\" || set p=\"piano\"\r\n"
        "fastboot %%* getvar product 2>&1 | findstr /r /x /c:\"product: *%%p%%$\" || echo Missmatching image and device\r\n"
        "fastboot %%* getvar product 2>&1 | findstr /r /x /c:\"product: *%%p%%$\" || exit /B 1\r\n"
        "fastboot %%* flash boot_ab %%~dp0images\\boot.img || @echo \"Flash boot error\" && exit /B 1\r\n",
        cases[i].pattern);
      g_autofree char *serial = g_strdup_printf ("F%" G_GSIZE_FORMAT, i + 1);
      g_autoptr(Phone) phone = phone_new (serial, cases[i].product, NULL);
      g_autoptr(UbPreflight) p = NULL;

      g_assert_cmpint (g_unlink (sh), ==, 0);
      g_assert_true (g_file_set_contents (bat, script, -1, NULL));
      p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      if (cases[i].title != NULL)
        assert_refused (p, phone, "product", cases[i].title);
      else
        {
          g_assert_nonnull (ub_test_find_check (p, "product", UB_CHECK_PASSED));
          g_assert_null (ub_test_find_check (p, "product", UB_CHECK_FAILED));
          g_assert_cmpuint (ub_flash_plan_get_n_steps (ub_preflight_get_plan (p)), ==, 1);
        }
    }
}

static void
test_unplug_resume (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO002", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  /* the cable goes in the middle of super's second piece */
  guint super = unplug_in_step (phone, plan, "flash super images/super.img", 1536 * KIB);
  guint64 before_super = ub_flash_plan_get_bytes_before (plan, super);
  Watch w;

  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_nonnull (ub_flash_job_get_error (job));
  g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, super);
  /* the step before super is an erase: super is where it goes on */
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, super);
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The phone is only partly flashed: it will not start Android yet, but it stays "
                   "in fastboot mode and can be flashed again. Resume to finish.");
  g_assert_nonnull (ub_flash_job_get_next_step (job));
  /* the progress stopped in super */
  {
    UbProgress *progress = ub_flash_job_get_progress (job);
    g_autofree char *name = ub_progress_dup_step_name (progress);

    g_assert_false (ub_progress_get_done (progress));
    g_assert_cmpuint (ub_progress_get_step (progress), ==, super);
    g_assert_cmpstr (name, ==, "Writing “super”");
    g_assert_cmpuint (ub_progress_get_bytes_done (progress), >=, before_super);
    g_assert_cmpuint (ub_progress_get_bytes_done (progress), <, before_super + ub_flash_plan_get_step_bytes (plan, super));
    g_assert_cmpfloat (ub_progress_get_fraction (progress), <, 1);
  }

  /* plugged in again */
  resume_to_success (job, &w, rom, phone);
  g_assert_true (ub_progress_get_done (ub_flash_job_get_progress (job)));
  g_assert_cmpuint (w.wrong_thread, ==, 0);
  watch_clear (&w);
}

/* A job that failed records where to resume for its phone; a new job for a
 * new plan of the same ROM and mode (as after a restart of the program)
 * starts there and finishes, and success forgets the point. */
static void
test_resume_after_restart (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO009", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbPreflight) again = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(UbFlashJob) next = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *saved_rom = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint super;
  guint n_writes, step = G_MAXUINT;
  UbRomMode mode = UB_ROM_MODE_KEEP_DATA;
  Watch w, w2;

  g_assert_false (ub_resume_point_peek ("PIANO009", NULL, NULL, NULL));
  super = unplug_in_step (phone, plan, "flash super images/super.img", 1536 * KIB);
  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, super);
  g_assert_true (ub_resume_point_peek ("PIANO009", &saved_rom, &mode, &step));
  g_assert_cmpstr (saved_rom, ==, ub_flash_plan_get_rom_path (plan));
  g_assert_cmpint (mode, ==, UB_ROM_MODE_CLEAN_ALL);
  g_assert_cmpuint (step, ==, super);
  g_clear_object (&job);
  watch_clear (&w);

  /* "restarted": new checks, a new plan and a new job, nothing shared with the first */
  ub_emu_phone_clear_faults (phone->phone);
  again = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_preflight_get_plan (again) != plan);
  next = ub_flash_job_new (ub_preflight_get_plan (again), phone->address);
  watch_init (&w2, next);
  g_assert_true (ub_flash_job_restore_resume_point (next, &error));
  g_assert_no_error (error);
  n_writes = ub_emu_phone_get_n_writes (phone->phone);
  g_assert_true (ub_flash_job_start (next, &error));
  g_assert_no_error (error);
  run_until_finished (&w2);
  g_assert_cmpint (ub_flash_job_get_state (next), ==, UB_FLASH_JOB_SUCCEEDED);
  /* it began at super: the steps before it were not sent again */
  g_assert_cmpuint (w2.steps_started, ==, ub_flash_plan_get_n_steps (plan) - super);
  g_assert_cmpuint (ub_emu_phone_get_n_writes (phone->phone), >, n_writes);
  assert_flashed (rom, phone);
  watch_clear (&w2);

  /* done: nothing is left to resume */
  g_assert_false (ub_resume_point_peek ("PIANO009", NULL, NULL, NULL));
  g_clear_object (&next);
  next = ub_flash_job_new (ub_preflight_get_plan (again), phone->address);
  g_assert_false (ub_flash_job_restore_resume_point (next, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH);
  g_assert_cmpstr (error->message, ==,
                   "There is no unfinished flash of this phone (serial PIANO009) to resume.");
}

static void
test_unplug_after_write (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO007", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  /* the cable goes while misc is sent right after super: the phone may not have
   * finished writing super (ABL writes in the background), so super is redone */
  guint misc = unplug_in_step (phone, plan, "flash misc images/misc.img", 100);
  Watch w;

  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, misc);
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, misc - 1);
  {
    g_autofree char *desc = ub_flash_step_describe (ub_flash_plan_get_step (plan, misc - 1));
    g_assert_cmpstr (desc, ==, "flash super images/super.img");
  }

  resume_to_success (job, &w, rom, phone);
  watch_clear (&w);
}

static void
test_cancel (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO003", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint super = step_index (plan, "flash super images/super.img");
  Watch w;

  /* slow enough that the cancel arrives while super is being sent */
  g_assert_true (ub_emu_phone_add_fault (phone->phone, "delay:flash:super:100", &error));
  job = ub_flash_job_new (plan, phone->address);
  watch_init (&w, job);
  w.cancel_at_step = super;
  g_assert_true (ub_flash_job_start (job, &error));
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_CANCELLED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "Stopped between two steps. The phone is only partly flashed: it will not start "
                   "Android yet, but it stays in fastboot mode. Resume to finish.");
  /* it stopped after the piece the phone was writing: super is incomplete, nothing after it ran */
  log = ub_test_phone_dup_log (phone);
  g_assert_nonnull (strstr (log, "flash super "));
  g_assert_null (strstr (log, "flash misc "));
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, super);

  resume_to_success (job, &w, rom, phone);
  watch_clear (&w);
}

/* A second cancel while stopping aborts the step under way (the transfer is cut). */
static void
test_abort (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO009", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint super = step_index (plan, "flash super images/super.img");
  Watch w;

  g_assert_true (ub_emu_phone_add_fault (phone->phone, "delay:flash:super:100", &error));
  job = ub_flash_job_new (plan, phone->address);
  watch_init (&w, job);
  w.cancel_at_step = super;
  w.cancel_twice = TRUE;
  g_assert_true (ub_flash_job_start (job, &error));
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_CANCELLED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The phone is only partly flashed: it will not start Android yet, but it stays "
                   "in fastboot mode and can be flashed again. Resume to finish.");
  g_assert_cmpstr (ub_flash_job_get_next_step (job), ==,
                   "Unplug the phone and connect it again before you resume.");
  log = ub_test_phone_dup_log (phone);
  g_assert_null (strstr (log, "flash misc "));
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, super);

  resume_to_success (job, &w, rom, phone);
  watch_clear (&w);
}

static void
test_deferred (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  /* super is larger than max-download-size: ABL writes it in the background */
  g_autoptr(Phone) phone = phone_new ("PIANO004", "parallel-download-flash=yes\n", NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint super = step_index (plan, "flash super images/super.img");
  Watch w;

  g_assert_true (ub_emu_phone_add_fault (phone->phone, "deferred-fail:super:3", &error));
  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_DEFERRED);
  /* reported on the next command, blamed on super and resumed from super */
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, super);

  resume_to_success (job, &w, rom, phone);
  watch_clear (&w);
}

static void
test_unchecked_step (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO005", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  Watch w;

  /* the script does not check "erase apdp": its failure must not stop the flash */
  g_assert_true (ub_emu_phone_add_fault (phone->phone, "fail:erase:apdp:1:Check device console.", &error));
  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_nonnull (strstr (w.log->str, "The phone refused this step (Erasing “apdp”: Check device "
                                        "console.); the ROM's script goes on without it."));
  assert_flashed (rom, phone);
  watch_clear (&w);
}

static void
test_two_phones (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) a = phone_new ("PIANO00A", NULL, NULL);
  g_autoptr(Phone) b = phone_new ("PIANO00B", NULL, NULL);
  g_autoptr(UbPreflight) pa = check (rom, a, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbPreflight) pb = check (rom, b, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) ja = NULL;
  g_autoptr(UbFlashJob) jb = NULL;
  g_autoptr(GError) error = NULL;
  Watch wa, wb;

  /* slow phones so that both jobs are busy at the same time */
  g_assert_true (ub_emu_phone_add_fault (a->phone, "delay:flash:20", &error));
  g_assert_true (ub_emu_phone_add_fault (b->phone, "delay:flash:20", &error));
  ja = start_job (pa, a, &wa);
  jb = start_job (pb, b, &wb);
  wa.other = &wb;
  wb.other = &wa;
  while (!wa.finished || !wb.finished)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (ub_flash_job_get_state (ja), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_cmpint (ub_flash_job_get_state (jb), ==, UB_FLASH_JOB_SUCCEEDED);
  /* whichever finished first did so while the other was under way */
  g_assert_true (wa.other_was_busy || wb.other_was_busy);
  g_assert_cmpuint (wa.wrong_thread + wb.wrong_thread, ==, 0);
  assert_flashed (rom, a);
  assert_flashed (rom, b);
  watch_clear (&wa);
  watch_clear (&wb);
}

static void
test_other_phone (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) a = phone_new ("PIANO0A1", NULL, NULL);
  g_autoptr(Phone) b = phone_new ("PIANO0B1", NULL, NULL);
  g_autoptr(UbPreflight) pa = check (rom, a, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;
  Watch w;

  /* checked on A, pointed at B */
  job = ub_flash_job_new (ub_preflight_get_plan (pa), b->address);
  watch_init (&w, job);
  g_assert_true (ub_flash_job_start (job, &error));
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH);
  g_assert_cmpstr (ub_flash_job_get_error (job)->message, ==,
                   "This is not the phone the checks were made for (it is piano, serial PIANO0B1; "
                   "expected piano, serial PIANO0A1).");
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "Nothing was written to the phone; it is as it was.");
  log = ub_test_phone_dup_log (b);
  g_assert_cmpstr (log, ==, "");
  watch_clear (&w);
}

static void
test_lock_needs_confirmation (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANO006", NULL, NULL);
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;

  g_string_replace (script, "fastboot $* reboot\n", "fastboot $* oem lock\nfastboot $* reboot\n", 1);
  rom = rom_new (script->str);
  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_preflight_get_passed (preflight));
  g_assert_nonnull (ub_test_find_check (preflight, "lock", UB_CHECK_WARNING));
  g_assert_true (ub_flash_plan_locks (ub_preflight_get_plan (preflight)));
  job = ub_flash_job_new (ub_preflight_get_plan (preflight), phone->address);
  g_assert_false (ub_flash_job_start (job, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT);
  g_assert_cmpuint (ub_emu_phone_get_n_writes (phone->phone), ==, 0);
  g_clear_error (&error);

  /* confirmed: it flashes, then locks */
  {
    g_autofree char *unlocked = NULL;
    Watch w;

    watch_init (&w, job);
    ub_flash_job_set_lock_confirmed (job, TRUE);
    g_assert_true (ub_flash_job_start (job, &error));
    run_until_finished (&w);
    g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
    unlocked = ub_emu_phone_dup_var (phone->phone, "unlocked");
    g_assert_cmpstr (unlocked, ==, "no");
    assert_flashed (rom, phone);
    /* this phone stays in fastboot mode after the lock: the script's reboot still reaches it */
    g_assert_true (ub_flash_job_get_locked (job));
    g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                     "The phone is restarting to finish locking the bootloader. It erases itself, "
                     "and the first start can take up to 10 minutes.");
    {
      g_autofree char *log = ub_test_phone_dup_log (phone);
      g_assert_true (g_str_has_suffix (log, "set_active a\noem lock\nreboot system\n"));
    }
    g_assert_nonnull (strstr (w.log->str, "Skipped after the lock: reboot\n"));
    g_assert_nonnull (strstr (w.log->str, "The phone was still in fastboot mode after the lock; it "
                                          "was restarted.\n"));
    watch_clear (&w);
  }
}

/*
 * A Xiaomi phone restarts at once after the OKAY of `oem lock`: the job ends
 * there, successfully, without sending the script's steps after the lock.
 */
static void
test_lock_restarts (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANO009", "[emulator]\nrestart-on-lock=true\n", NULL);
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unlocked = NULL;
  g_autofree char *log = NULL;
  UbFlashPlan *plan;
  guint lock;
  Watch w;

  g_assert_true (ub_emu_phone_get_restart_on_lock (phone->phone));
  /* as oxygen_flash_all_lock.sh: oem lock, then reboot, each checked */
  g_string_replace (script, "fastboot $* reboot\n",
                    "fastboot $* oem lock\n"
                    "if [ $? -ne 0 ] ; then echo \"Oem lock error\"; exit 1; fi\n"
                    "fastboot $* reboot\n", 1);
  rom = rom_new (script->str);
  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  plan = ub_preflight_get_plan (preflight);
  lock = step_index (plan, "oem lock");
  g_assert_cmpuint (lock, ==, ub_flash_plan_get_n_steps (plan) - 2);
  job = ub_flash_job_new (plan, phone->address);
  watch_init (&w, job);
  ub_flash_job_set_lock_confirmed (job, TRUE);
  g_assert_true (ub_flash_job_start (job, &error));
  g_assert_no_error (error);
  run_until_finished (&w);

  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_null (ub_flash_job_get_error (job));
  g_assert_true (ub_flash_job_get_locked (job));
  g_assert_false (ub_flash_job_get_needs_attention (job));
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The phone is restarting to finish locking the bootloader. It erases itself, "
                   "and the first start can take up to 10 minutes.");
  g_assert_null (ub_flash_job_get_next_step (job));
  g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, G_MAXUINT);
  /* nothing is left to resume */
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, ub_flash_plan_get_n_steps (plan));
  g_assert_false (ub_flash_job_resume (job, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED);
  g_clear_error (&error);
  /* the reboot step never started */
  g_assert_cmpuint (w.steps_started, ==, lock + 1);
  g_assert_cmpuint (w.wrong_thread, ==, 0);

  /* everything written, the phone locked, and nothing sent after the lock */
  assert_flashed (rom, phone);
  unlocked = ub_emu_phone_dup_var (phone->phone, "unlocked");
  g_assert_cmpstr (unlocked, ==, "no");
  log = ub_test_phone_dup_log (phone);
  g_assert_true (g_str_has_suffix (log, "set_active a\noem lock\nrestart after lock\n"));
  g_assert_null (strstr (log, "reboot"));
  g_assert_nonnull (strstr (w.log->str, "Locking the bootloader…\n"));
  g_assert_nonnull (strstr (w.log->str, "Skipped after the lock: reboot\n"));
  g_assert_nonnull (strstr (w.log->str, "The phone restarted by itself after the lock ("));
  g_assert_null (strstr (w.log->str, "Restarting"));
  watch_clear (&w);
}

/* vbmeta.img as the phone gets it with @flags OR-ed into its header */
static GBytes *
vbmeta_with_flags (Rom    *rom,
                   guint8  flags)
{
  g_autofree char *path = rom_image (rom, "vbmeta.img");
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, VBMETA_SIZE);
  data[123] |= flags;
  return g_bytes_new (data, len);
}

/*
 * --disable-verity / --disable-verification: the steps that send one file
 * with the same flags share one image in memory; each partition gets the
 * file with its own flags.
 */
static void
test_vbmeta_shared (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANOV01", NULL,
                                      "boot_ab=0x100000\nvbmeta_a=0x10000\nvbmeta_b=0x10000\n");
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GBytes) verity = NULL;
  g_autoptr(GBytes) both = NULL;
  UbFlashPlan *plan;
  UbSparseImage *a, *b, *a2;
  Watch w;

  g_string_replace (script, "fastboot $* set_active a\n",
                    "fastboot $* --disable-verity flash vbmeta_a `dirname $0`/images/vbmeta.img\n"
                    "fastboot $* --disable-verity flash vbmeta_b `dirname $0`/images/vbmeta.img\n"
                    "fastboot $* --disable-verity --disable-verification flash vbmeta_a "
                    "`dirname $0`/images/vbmeta.img\n"
                    "fastboot $* set_active a\n", 1);
  rom = rom_new (script->str);
  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  if (!ub_preflight_get_passed (preflight))
    ub_test_print_checks (preflight);
  g_assert_true (ub_preflight_get_passed (preflight));
  g_assert_cmpstr (ub_test_find_check (preflight, "vbmeta", UB_CHECK_PASSED)->title, ==,
                   "The script turns off verified boot checks in vbmeta.img.");
  plan = ub_preflight_get_plan (preflight);
  a = ub_flash_plan_get_image (plan, step_index (plan, "flash vbmeta_a images/vbmeta.img --disable-verity"));
  b = ub_flash_plan_get_image (plan, step_index (plan, "flash vbmeta_b images/vbmeta.img --disable-verity"));
  a2 = ub_flash_plan_get_image (plan, step_index (plan, "flash vbmeta_a images/vbmeta.img "
                                                        "--disable-verity --disable-verification"));
  /* one copy for one file with one set of flags */
  g_assert_true (a == b);
  g_assert_true (a != a2);
  g_assert_cmpuint (ub_sparse_image_get_vbmeta_flags (a), ==, 1);
  g_assert_cmpuint (ub_sparse_image_get_vbmeta_flags (a2), ==, 3);

  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  assert_flashed (rom, phone);
  verity = vbmeta_with_flags (rom, 1);
  both = vbmeta_with_flags (rom, 3);
  assert_partition_holds (phone, "vbmeta_b", verity);
  assert_partition_holds (phone, "vbmeta_a", both);
  watch_clear (&w);
}

/*
 * The vbmeta bytes sent are read after the MD5 check: they must be the ones
 * it verified (here the digest the ROM was unpacked with, then the file
 * changed).
 */
static void
test_vbmeta_changed (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANOV02", NULL, "boot_ab=0x100000\nvbmeta_a=0x10000\n");
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbRom) r = NULL;
  g_autoptr(GHashTable) known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *detail = NULL;
  g_autofree char *data = NULL;
  gsize len;

  g_string_replace (script, "fastboot $* set_active a\n",
                    "fastboot $* --disable-verity flash vbmeta_a `dirname $0`/images/vbmeta.img\n"
                    "fastboot $* set_active a\n", 1);
  rom = rom_new (script->str);
  path = rom_image (rom, "vbmeta.img");
  before = ub_test_md5_of_file (path);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  data[200] ^= 0x01;
  g_assert_true (g_file_set_contents (path, data, len, NULL));
  after = ub_test_md5_of_file (path);

  r = ub_rom_new_for_folder (rom->dir, &error);
  g_assert_no_error (error);
  g_hash_table_insert (known, g_strdup ("images/vbmeta.img"), g_strdup (before));
  ub_rom_set_known_digests (r, known);
  preflight = ub_test_preflight_run (r, UB_ROM_MODE_CLEAN_ALL, phone->address);
  /* the MD5 check took the known digest; the bytes read for the flags differ */
  g_assert_nonnull (ub_test_find_check (preflight, "md5", UB_CHECK_PASSED));
  assert_refused (preflight, phone, "vbmeta", "vbmeta.img changed since it was checked.");
  detail = g_strdup_printf ("vbmeta.img: its checksum is %s now, %s when it was checked", after,
                            before);
  g_assert_cmpstr (ub_test_find_check (preflight, "vbmeta", UB_CHECK_FAILED)->detail, ==, detail);
  g_assert_cmpstr (ub_test_find_check (preflight, "vbmeta", UB_CHECK_FAILED)->next_step, ==,
                   "Leave the ROM folder as it is while Unbrick works, then check again.");
}

/* A download limit below the vbmeta image (but enough to split the others) has its own words. */
static void
test_vbmeta_too_small (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANOV03", "max-download-size=49152\n",
                                      "boot_ab=0x100000\nvbmeta_a=0x10000\n");
  g_autoptr(UbPreflight) preflight = NULL;

  g_string_replace (script, "fastboot $* set_active a\n",
                    "fastboot $* --disable-verification flash vbmeta_a `dirname $0`/images/vbmeta.img\n"
                    "fastboot $* set_active a\n", 1);
  rom = rom_new (script->str);
  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_assert_nonnull (ub_test_find_check (preflight, "image-format", UB_CHECK_PASSED));
  assert_refused (preflight, phone, "vbmeta",
                  "The phone takes too little data at once to receive vbmeta.img in one piece.");
  g_assert_cmpstr (ub_test_find_check (preflight, "vbmeta", UB_CHECK_FAILED)->detail, ==,
                   "vbmeta.img: The device accepts downloads of at most 49152 bytes, too little to "
                   "send this vbmeta image in one piece");
}

/* script_text with misc unchecked and "oem lock" before the reboot (checked or not), as
 * land_flash_all_lock.sh / cereus_flash_all_lock.sh do */
static Rom *
rom_new_locking (gboolean lock_checked)
{
  g_autoptr(GString) script = g_string_new (script_text);

  g_string_replace (script, "if [ $? -ne 0 ] ; then echo \"Flash misc error\"; exit 1; fi\n", "", 1);
  g_string_replace (script, "fastboot $* reboot\n",
                    lock_checked ? "fastboot $* oem lock\n"
                                   "if [ $? -ne 0 ] ; then echo \"Oem lock error\"; exit 1; fi\n"
                                   "fastboot $* reboot\n"
                                 : "fastboot $* oem lock\nfastboot $* reboot\n", 1);
  return rom_new (script->str);
}

static UbFlashJob *
start_lock_job (UbPreflight *preflight,
                Phone       *phone,
                Watch       *w)
{
  g_autoptr(GError) error = NULL;
  UbFlashJob *job;

  g_assert_true (ub_preflight_get_passed (preflight));
  job = ub_flash_job_new (ub_preflight_get_plan (preflight), phone->address);
  watch_init (w, job);
  ub_flash_job_set_lock_confirmed (job, TRUE);
  ub_flash_job_set_timeouts (job, 1000, 5000, 1000);
  g_assert_true (ub_flash_job_start (job, &error));
  g_assert_no_error (error);
  return job;
}

static void
resume_job (UbFlashJob *job,
            Watch      *w)
{
  g_autoptr(GError) error = NULL;

  w->finished = FALSE;
  g_assert_true (ub_flash_job_resume (job, &error));
  g_assert_no_error (error);
  run_until_finished (w);
}

/* Steps that would run on a locked phone, and turned-off verified boot with a lock, are
 * refused before anything is written. */
static void
test_lock_refusals (void)
{
  const struct {
    const char *from, *to, *title;
  } cases[] = {
    { "fastboot $* set_active a\n",
      "fastboot $* oem lock\nfastboot $* set_active a\n",
      "The script locks the bootloader (line 28) and then writes to the phone." },
    { "fastboot $* reboot\n",
      "fastboot $* flashing lock\nfastboot $* reboot recovery\n",
      "The script locks the bootloader (line 30) and then writes to the phone." },
    { "fastboot $* set_active a\n",
      "fastboot $* --disable-verification flash vbmeta_a `dirname $0`/images/vbmeta.img\n"
      "fastboot $* set_active a\n",
      NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) script = g_string_new (script_text);
      g_autofree char *serial = g_strdup_printf ("PL%" G_GSIZE_FORMAT, i);
      g_autoptr(Phone) phone = phone_new (serial, NULL, "boot_ab=0x100000\nvbmeta_a=0x10000\n");
      g_autoptr(Rom) rom = NULL;
      g_autoptr(UbPreflight) p = NULL;
      const UbCheck *c;

      g_string_replace (script, cases[i].from, cases[i].to, 1);
      if (cases[i].title == NULL)
        g_string_replace (script, "fastboot $* reboot\n", "fastboot $* oem lock\nfastboot $* reboot\n", 1);
      rom = rom_new (script->str);
      p = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      if (cases[i].title != NULL)
        {
          assert_refused (p, phone, "steps", cases[i].title);
          c = ub_test_find_check (p, "steps", UB_CHECK_FAILED);
          g_assert_cmpstr (c->next_step, ==, "A locked phone refuses the steps after the lock. Use "
                           "the ROM's original script, or choose “Clean all”, which does not lock.");
        }
      else
        {
          assert_refused (p, phone, "steps", "The script turns off verified boot checks (line 28) "
                          "and then locks the bootloader (line 31): a locked phone does not start "
                          "like that.");
          c = ub_test_find_check (p, "steps", UB_CHECK_FAILED);
          g_assert_cmpstr (c->next_step, ==, "Choose “Clean all”, which does not lock, or use the "
                           "ROM's original script.");
        }
    }
}

/*
 * An unchecked write the phone refuses in a script that locks: the job stops
 * before the lock (a locked phone that may not start cannot be flashed
 * again), and a resume redoes the step and locks.
 */
static void
test_lock_after_refused_write (void)
{
  g_autoptr(Rom) rom = rom_new_locking (FALSE);
  g_autoptr(Phone) phone = phone_new ("PIANOL01", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *unlocked = NULL;
  g_autofree char *log = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint misc = step_index (plan, "flash misc images/misc.img");
  Watch w;

  g_assert_false (ub_flash_plan_get_step (plan, misc)->fatal);
  g_assert_true (ub_emu_phone_add_fault (phone->phone, "fail:flash:misc:1:Flashing is not allowed",
                                         &error));
  job = start_lock_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_REMOTE);
  g_assert_cmpstr (ub_flash_job_get_error (job)->message, ==,
                   "Writing “misc” (1/1): Flashing is not allowed");
  g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, misc);
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, misc);
  g_assert_false (ub_flash_job_get_locked (job));
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "Unbrick stopped before locking the bootloader, so it is still unlocked. The "
                   "phone is only partly flashed: it will not start Android yet, but it stays in "
                   "fastboot mode and can be flashed again.");
  g_assert_cmpstr (ub_flash_job_get_next_step (job), ==,
                   "Resume to try this step again. If it fails again, the ROM may not suit this "
                   "phone; write down the message and ask for help.");
  g_assert_nonnull (strstr (w.log->str, "The phone refused this step (Writing “misc” (1/1): "
                                        "Flashing is not allowed). The ROM's script does not "
                                        "check it, but it locks the bootloader later, so Unbrick "
                                        "stops here and leaves the bootloader unlocked.\n"));
  /* nothing after misc reached the phone, the lock least of all */
  log = ub_test_phone_dup_log (phone);
  g_assert_null (strstr (log, "oem lock"));
  g_assert_null (strstr (log, "flash boot_a"));
  unlocked = ub_emu_phone_dup_var (phone->phone, "unlocked");
  g_assert_cmpstr (unlocked, ==, "yes");

  resume_job (job, &w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_true (ub_flash_job_get_locked (job));
  assert_flashed (rom, phone);
  g_clear_pointer (&unlocked, g_free);
  unlocked = ub_emu_phone_dup_var (phone->phone, "unlocked");
  g_assert_cmpstr (unlocked, ==, "no");
  watch_clear (&w);
}

/*
 * A refused lock, checked by the script or not, is a failure; everything
 * was written, so the advice is about the lock only.
 */
static void
test_lock_refused (void)
{
  for (guint checked = 0; checked < 2; checked++)
    {
      g_autoptr(Rom) rom = rom_new_locking (checked);
      g_autofree char *serial = g_strdup_printf ("PIANOL1%u", checked);
      g_autoptr(Phone) phone = phone_new (serial, NULL, NULL);
      g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      g_autoptr(UbFlashJob) job = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *unlocked = NULL;
      g_autofree char *log = NULL;
      UbFlashPlan *plan = ub_preflight_get_plan (preflight);
      guint lock = step_index (plan, "oem lock");
      Watch w;

      g_assert_cmpint (ub_flash_plan_get_step (plan, lock)->fatal, ==, checked);
      g_assert_true (ub_emu_phone_add_fault (phone->phone, "fail:oem lock:1:Lock is not allowed",
                                             &error));
      job = start_lock_job (preflight, phone, &w);
      run_until_finished (&w);
      g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
      g_assert_false (ub_flash_job_get_locked (job));
      g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, lock);
      g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, lock);
      g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                       "Everything was written, but the bootloader did not lock (Lock is not "
                       "allowed). The phone can start as it is, with the bootloader unlocked.");
      g_assert_cmpstr (ub_flash_job_get_next_step (job), ==, "Resume to try the lock again.");
      assert_flashed (rom, phone);
      log = ub_test_phone_dup_log (phone);
      g_assert_null (strstr (log, "reboot"));

      resume_job (job, &w);
      g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
      g_assert_true (ub_flash_job_get_locked (job));
      unlocked = ub_emu_phone_dup_var (phone->phone, "unlocked");
      g_assert_cmpstr (unlocked, ==, "no");
      watch_clear (&w);
    }
}

/*
 * The connection breaks during the lock command: Unbrick cannot tell whether
 * it locked. A resume that finds the phone locked ends there, successfully.
 */
static void
test_lock_answer_lost (void)
{
  g_autoptr(Rom) rom = rom_new_locking (TRUE);
  g_autoptr(Phone) phone = phone_new ("PIANOL20", "[emulator]\nrestart-on-lock=true\n", NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  UbFlashPlan *plan = ub_preflight_get_plan (preflight);
  guint lock = step_index (plan, "oem lock");
  Watch w;

  g_assert_true (ub_emu_phone_add_fault (phone->phone, "stall:oem lock", &error));
  job = start_lock_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_error ((GError *) ub_flash_job_get_error (job), UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_TIMEOUT);
  g_assert_cmpuint (ub_flash_job_get_failed_step (job), ==, lock);
  g_assert_cmpuint (ub_flash_job_get_resume_step (job), ==, lock);
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "Everything was written, but the connection broke while the bootloader was "
                   "locking, so Unbrick cannot tell whether it locked.");
  g_assert_cmpstr (ub_flash_job_get_next_step (job), ==,
                   "If the phone restarts and erases itself, the lock went through: leave it alone "
                   "until it has started. If it stays in fastboot mode, connect it again and resume.");

  /* it went through after all (the phone is found locked, in fastboot mode) */
  ub_emu_phone_clear_faults (phone->phone);
  ub_emu_phone_set_var (phone->phone, "unlocked", "no");
  before = ub_test_phone_dup_log (phone);
  resume_job (job, &w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_null (ub_flash_job_get_error (job));
  g_assert_true (ub_flash_job_get_locked (job));
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The phone is restarting to finish locking the bootloader. It erases itself, "
                   "and the first start can take up to 10 minutes.");
  g_assert_nonnull (strstr (w.log->str, "The phone's bootloader is locked: the lock went through "
                                        "before the connection broke.\n"));
  /* only the script's restart was sent */
  after = ub_test_phone_dup_log (phone);
  g_assert_true (g_str_has_prefix (after, before));
  g_assert_cmpstr (after + strlen (before), ==, "reboot system\n");
  watch_clear (&w);
}

/* The phone locked but refused the script's restart: not "restarted by itself". */
static void
test_lock_reboot_refused (void)
{
  g_autoptr(Rom) rom = rom_new_locking (TRUE);
  g_autoptr(Phone) phone = phone_new ("PIANOL30", NULL, NULL);
  g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbFlashJob) job = NULL;
  g_autoptr(GError) error = NULL;
  Watch w;

  g_assert_true (ub_emu_phone_add_fault (phone->phone, "fail:reboot:1:Reboot is not allowed", &error));
  job = start_lock_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_true (ub_flash_job_get_locked (job));
  g_assert_true (ub_flash_job_get_needs_attention (job));
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The bootloader is locked, but the phone did not restart. Hold the Power button "
                   "until it restarts; it then erases itself, and the first start can take up to 10 "
                   "minutes.");
  g_assert_nonnull (strstr (w.log->str, "The phone refused to restart after the lock ("));
  g_assert_null (strstr (w.log->str, "restarted by itself"));
  watch_clear (&w);
}

/* A script that ends by starting the phone from an image has its own last words. */
static void
test_boot_last (void)
{
  g_autoptr(GString) script = g_string_new (script_text);
  g_autoptr(Rom) rom = NULL;
  g_autoptr(Phone) phone = phone_new ("PIANOB01", NULL, NULL);
  g_autoptr(UbPreflight) preflight = NULL;
  g_autoptr(UbFlashJob) job = NULL;
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autofree guint8 *image = g_malloc0 (8 * KIB);
  Watch w;

  g_string_replace (script, "fastboot $* reboot\n", "fastboot $* boot `dirname $0`/images/twrp.img\n", 1);
  rom = rom_new (script->str);
  memcpy (image, "ANDROID!", 8);
  path = rom_image (rom, "twrp.img");
  g_assert_true (g_file_set_contents (path, (const char *) image, 8 * KIB, NULL));
  preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
  if (!ub_preflight_get_passed (preflight))
    ub_test_print_checks (preflight);
  job = start_job (preflight, phone, &w);
  run_until_finished (&w);
  g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_true (ub_flash_job_get_needs_attention (job));
  g_assert_cmpstr (ub_flash_job_get_phone_state (job), ==,
                   "The phone is starting from twrp.img, which the ROM's script sent to it (it is "
                   "not installed). Leave the phone connected to power and follow what it shows on "
                   "its screen.");
  log = ub_test_phone_dup_log (phone);
  g_assert_nonnull (strstr (log, "set_active a\ndownload 8192 "));
  g_assert_true (g_str_has_suffix (log, "\n") && strstr (log, "\nboot 8192 ") != NULL);
  watch_clear (&w);
}

/* Runs the checks and returns the bytes hashed: the total of the progress's
 * "Verifying the images" step. */
static guint64
check_and_count (Rom   *rom,
                 Phone *phone)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRom) r = ub_rom_new_for_folder (rom->dir, &error);
  g_autoptr(UbPreflight) p = ub_preflight_new (r, UB_ROM_MODE_CLEAN_ALL);
  g_autoptr(UbTransport) transport = ub_transport_open (phone->address, NULL, &error);
  g_autoptr(UbFastbootClient) client = ub_fastboot_client_new (transport);
  g_autoptr(UbProgress) progress = ub_progress_new ();

  g_assert_true (ub_preflight_run (p, client, progress, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ub_preflight_get_passed (p));
  g_assert_true (ub_progress_get_done (progress));
  g_assert_cmpuint (ub_progress_get_n_steps (progress), ==, 3);
  /* every byte to hash was hashed */
  g_assert_cmpuint (ub_progress_get_bytes_done (progress), ==, ub_progress_get_bytes_total (progress));
  return ub_progress_get_bytes_total (progress);
}

static void
test_digest_cache (void)
{
  g_autoptr(Rom) rom = rom_new (NULL);
  g_autoptr(Phone) phone = phone_new ("PIANO008", NULL, NULL);
  g_autofree char *boot = rom_image (rom, "boot.img");
  g_autofree char *data = NULL;
  gsize len;
  guint64 first, second, third;

  first = check_and_count (rom, phone);
  second = check_and_count (rom, phone);
  /* rewritten with the same bytes: a new mtime and ctime, so it is read again */
  g_assert_true (g_file_get_contents (boot, &data, &len, NULL));
  g_usleep (10000);
  g_assert_true (g_file_set_contents (boot, data, len, NULL));
  third = check_and_count (rom, phone);
  g_assert_cmpuint (first, >, 3 * 1024 * 1024);
  g_assert_cmpuint (second, ==, 0);
  g_assert_cmpuint (third, ==, len);
}

/* The phone restarts into fastboot mid-plan and comes back as another phone
 * (another serial, or one that no longer tells its serial): the job stops
 * before writing anything more. */
static void
test_hostile_comes_back_other (void)
{
  const char *faults[] = { "new-serial:PIANO0FF", "fail:getvar:serialno:2", NULL };
  const char *expected[] = {
    "This is not the phone the checks were made for (it is piano, serial PIANO0FF; "
    "expected piano, serial PIANO0C1).",
    "This is not the phone the checks were made for (it is piano, serial ?; "
    "expected piano, serial PIANO0C1).",
  };

  for (guint i = 0; faults[i] != NULL; i++)
    {
      g_autoptr(GString) script = g_string_new (script_text);
      g_autoptr(Rom) rom = NULL;
      g_autoptr(Phone) phone = phone_new ("PIANO0C1", NULL, NULL);
      g_autoptr(UbPreflight) preflight = NULL;
      g_autoptr(UbFlashJob) job = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *log = NULL;
      g_auto(GStrv) lines = NULL;
      Watch w;

      g_string_replace (script, "fastboot $* flash tz_ab",
                        "fastboot $* reboot bootloader\nfastboot $* flash tz_ab", 1);
      rom = rom_new (script->str);
      preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      g_assert_true (ub_preflight_get_passed (preflight));
      /* after the checks: the job's own getvar:serialno is the first, the one after
       * the reboot the second */
      g_assert_true (ub_emu_phone_add_fault (phone->phone, faults[i], &error));
      job = start_job (preflight, phone, &w);
      run_until_finished (&w);
      g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
      g_assert_error ((GError *) ub_flash_job_get_error (job), UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH);
      g_assert_cmpstr (ub_flash_job_get_error (job)->message, ==, expected[i]);
      /* the last thing the phone did was the reboot: nothing written after it */
      log = ub_test_phone_dup_log (phone);
      lines = g_strsplit (g_strstrip (log), "\n", -1);
      g_assert_cmpuint (g_strv_length (lines), >, 0);
      g_assert_cmpstr (lines[g_strv_length (lines) - 1], ==, "reboot bootloader");
      watch_clear (&w);
    }
}

/* A write step answered in ways no phone should: an exact message, no crash, and
 * nothing written after the step that failed. */
static void
test_hostile_replies (void)
{
  const struct { const char *fault; const char *message; } cases[] = {
    { "split-reply:flash:tz", "Writing “tz_ab” (1/1): The device sent a response of 2 bytes, "
                              "too short" },
    { "empty-reply:flash:tz", "Writing “tz_ab” (1/1): The device sent a response of 0 bytes, "
                              "too short" },
    { "info-flood:flash:tz", "Writing “tz_ab” (1/1): The phone kept sending text for 4 seconds "
                             "without finishing “flash:tz_ab”" },
    { "info-stall:flash:tz", "Writing “tz_ab” (1/1): “flash:tz_ab”: The phone did not answer "
                             "within 1 second" },
    { "data-size:1", NULL },
  };
  g_autoptr(Rom) rom = rom_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Phone) phone = phone_new ("PIANO0D1", NULL, NULL);
      g_autoptr(UbPreflight) preflight = check (rom, phone, UB_ROM_MODE_CLEAN_ALL);
      g_autoptr(UbFlashJob) job = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *log = NULL;
      gint64 start;
      Watch w;

      g_assert_true (ub_emu_phone_add_fault (phone->phone, cases[i].fault, &error));
      g_assert_true (ub_preflight_get_passed (preflight));
      job = ub_flash_job_new (ub_preflight_get_plan (preflight), phone->address);
      ub_flash_job_set_timeouts (job, 1000, 1000, 1000);
      watch_init (&w, job);
      start = g_get_monotonic_time ();
      g_assert_true (ub_flash_job_start (job, &error));
      run_until_finished (&w);
      /* the longest: 4x the 1 s timeout of a phone that never stops talking */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 15 * G_USEC_PER_SEC);
      g_assert_cmpint (ub_flash_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
      log = ub_test_phone_dup_log (phone);
      if (cases[i].message != NULL)
        {
          g_assert_cmpstr (ub_flash_job_get_error (job)->message, ==, cases[i].message);
          /* tz's data went out (the phone may have written it); nothing after it was */
          g_assert_nonnull (strstr (log, "flash abl_b"));
          g_assert_null (strstr (log, "erase apdp"));
          g_assert_null (strstr (log, "flash super"));
        }
      else
        {
          /* DATA for one byte more, at the first download: nothing sent at all */
          g_assert_true (g_str_has_suffix (ub_flash_job_get_error (job)->message,
                                           " announced; nothing was sent"));
          g_assert_null (strstr (log, "download"));
          g_assert_null (strstr (log, "flash "));
        }
      ub_emu_phone_clear_faults (phone->phone);
      watch_clear (&w);
    }
}

int
main (int argc, char **argv)
{
  g_autofree char *cache = g_dir_make_tmp ("ub-flash-cache-XXXXXX", NULL);

  setlocale (LC_ALL, "C.UTF-8");
  g_setenv ("LANGUAGE", "", TRUE);
  /* the digest cache of the checks goes to a folder of the test */
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  /* and the resume points (ub-resume-point.c) too */
  g_setenv ("XDG_STATE_HOME", cache, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/flash/happy", test_happy);
  g_test_add_func ("/flash/refusals", test_refusals);
  g_test_add_func ("/flash/wipe", test_wipe);
  g_test_add_func ("/flash/folder-product", test_folder_product);
  g_test_add_func ("/flash/unplug-resume", test_unplug_resume);
  g_test_add_func ("/flash/resume-after-restart", test_resume_after_restart);
  g_test_add_func ("/flash/unplug-after-write", test_unplug_after_write);
  g_test_add_func ("/flash/cancel", test_cancel);
  g_test_add_func ("/flash/abort", test_abort);
  g_test_add_func ("/flash/deferred", test_deferred);
  g_test_add_func ("/flash/unchecked-step", test_unchecked_step);
  g_test_add_func ("/flash/two-phones", test_two_phones);
  g_test_add_func ("/flash/other-phone", test_other_phone);
  g_test_add_func ("/flash/lock-needs-confirmation", test_lock_needs_confirmation);
  g_test_add_func ("/flash/lock-restarts", test_lock_restarts);
  g_test_add_func ("/flash/digest-cache", test_digest_cache);
  g_test_add_func ("/flash/vbmeta-shared", test_vbmeta_shared);
  g_test_add_func ("/flash/vbmeta-changed", test_vbmeta_changed);
  g_test_add_func ("/flash/vbmeta-too-small", test_vbmeta_too_small);
  g_test_add_func ("/flash/lock-refusals", test_lock_refusals);
  g_test_add_func ("/flash/lock-after-refused-write", test_lock_after_refused_write);
  g_test_add_func ("/flash/lock-refused", test_lock_refused);
  g_test_add_func ("/flash/lock-answer-lost", test_lock_answer_lost);
  g_test_add_func ("/flash/lock-reboot-refused", test_lock_reboot_refused);
  g_test_add_func ("/flash/boot-last", test_boot_last);
  g_test_add_func ("/flash/hostile-comes-back-other", test_hostile_comes_back_other);
  g_test_add_func ("/flash/hostile-replies", test_hostile_replies);
  {
    int status = g_test_run ();
    ub_test_rm_rf (cache);
    return status;
  }
}
