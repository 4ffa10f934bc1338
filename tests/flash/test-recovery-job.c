/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * UbRecoveryJob in-process against the emulated Mi Assistant recovery (adb
 * over TCP) and the fake update server: an approved install lands byte for
 * byte and restarts the phone; a file that is not the approved one, another
 * phone, a refusal and every fault end with their exact message, and nothing
 * is sent when a check fails; cancel; wipe-data needs its confirmation.
 */
#include "config.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>
#include <unistd.h>

#include "ub-adb-error.h"
#include "ub-advice.h"
#include "ub-emu-adb-server.h"
#include "ub-emu-recovery.h"
#include "ub-emu-update-server.h"
#include "ub-fastboot-error.h"
#include "ub-mi-assistant.h"
#include "ub-online-error.h"
#include "ub-recovery-job.h"
#include "ub-rom-error.h"
#include "ub-update-server.h"

#include "ub-test-utils.h"

#define BLOCK 65536
#define PACKAGE_SIZE (40 * BLOCK + 4321)
#define ROM_VERSION "V14.0.9.0.TKFMIXM"
#define SILENCE_MESSAGE "The install was interrupted: The phone did not answer in time (The phone did not answer within 1 second)"
#define UNPLUG_MESSAGE "The install was interrupted: The device closed the connection"
#define ROM_NAME "miui_BEGONIAGlobal_V14.0.9.0.TKFMIXM_0123456789_11.0.zip"

typedef struct {
  char              *dir;
  char              *rom;          /* what the host installs */
  char              *received;     /* what the emulated recovery wrote */
  char              *md5;
  char              *address;
  GBytes            *package;
  UbEmuRecovery     *recovery;
  UbEmuAdbServer    *adb;
  UbEmuUpdateServer *fake;
  UbUpdateServer    *server;
  /* signals seen */
  guint              progress_signals;
  guint              finished_signals;
  GPtrArray         *logs;
  gboolean           main_thread_only;
  GThread           *main_thread;
  guint64            max_done;
  gboolean           saw_checking;
  gboolean           saw_installing;
} Fixture;

static void
fixture_setup (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha1 = NULL;
  g_autofree char *url = NULL;

  fx->dir = ub_test_make_tmp_dir ("ub-recovery-job-XXXXXX");
  fx->package = ub_test_zip_bytes (PACKAGE_SIZE, 1313);
  fx->rom = ub_test_write_file (fx->dir, ROM_NAME, g_bytes_get_data (fx->package, NULL),
                                PACKAGE_SIZE);
  fx->received = g_build_filename (fx->dir, "received.zip", NULL);
  fx->md5 = ub_test_md5_of_file (fx->rom);
  sha1 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA1, fx->package);

  fx->recovery = ub_emu_recovery_new (fx->received);
  fx->adb = ub_emu_adb_server_new (fx->recovery);
  ub_emu_adb_server_start (fx->adb, 0, &error);
  g_assert_no_error (error);
  fx->address = g_strdup_printf ("tcp:127.0.0.1:%u", ub_emu_adb_server_get_port (fx->adb));

  fx->fake = ub_emu_update_server_new ();
  ub_emu_update_server_add_rom (fx->fake, "begonia", ROM_NAME, ROM_VERSION, "11.0", fx->md5, sha1,
                                PACKAGE_SIZE, GPOINTER_TO_INT (data));
  ub_emu_update_server_start (fx->fake, &error);
  g_assert_no_error (error);
  fx->server = ub_update_server_new ();
  url = g_strconcat (ub_emu_update_server_get_url (fx->fake), "/updates/miotaV3.php", NULL);
  ub_update_server_set_urls (fx->server, url, url);

  fx->logs = g_ptr_array_new_with_free_func (g_free);
  fx->main_thread = g_thread_self ();
  fx->main_thread_only = TRUE;
}

static void
fixture_teardown (Fixture       *fx,
                  gconstpointer  data)
{
  ub_emu_adb_server_stop (fx->adb);
  ub_emu_update_server_stop (fx->fake);
  g_clear_object (&fx->server);
  g_clear_object (&fx->fake);
  g_clear_object (&fx->adb);
  g_clear_object (&fx->recovery);
  g_clear_pointer (&fx->package, g_bytes_unref);
  g_clear_pointer (&fx->logs, g_ptr_array_unref);
  ub_test_rm_rf (fx->dir);
  g_free (fx->dir);
  g_free (fx->rom);
  g_free (fx->received);
  g_free (fx->md5);
  g_free (fx->address);
}

/* What the phone says, as the CLI and the wizard ask it. */
static UbUpdateQuery *
query_phone (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(UbMiAssistant) phone = ub_mi_assistant_open (fx->address, NULL, &error);
  g_autoptr(UbRecoveryInfo) info = NULL;

  g_assert_no_error (error);
  info = ub_mi_assistant_read_info (phone, NULL, &error);
  g_assert_no_error (error);
  ub_mi_assistant_close (phone);
  return ub_update_query_new_from_info (info);
}

static UbRomApproval *
approve (Fixture    *fx,
         const char *md5)
{
  g_autoptr(UbUpdateQuery) query = query_phone (fx);
  g_autoptr(GError) error = NULL;
  UbRomApproval *approval = ub_update_server_approve (fx->server, query, md5, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (approval);
  return approval;
}

static void
on_progress (UbRecoveryJob *job,
             Fixture       *fx)
{
  UbProgress *progress = ub_recovery_job_get_progress (job);

  fx->progress_signals++;
  fx->main_thread_only &= g_thread_self () == fx->main_thread;
  if (ub_recovery_job_get_stage (job) == UB_RECOVERY_STAGE_CHECKING)
    fx->saw_checking = TRUE;
  if (ub_recovery_job_get_stage (job) == UB_RECOVERY_STAGE_INSTALLING)
    fx->saw_installing = TRUE;
  if (ub_recovery_job_get_stage (job) >= UB_RECOVERY_STAGE_CHECKING)
    {
      fx->max_done = MAX (fx->max_done, ub_progress_get_bytes_done (progress));
      g_assert_cmpuint (ub_progress_get_bytes_done (progress), <=,
                        ub_progress_get_bytes_total (progress));
    }
}

static void
on_log (UbRecoveryJob *job,
        const char    *text,
        Fixture       *fx)
{
  fx->main_thread_only &= g_thread_self () == fx->main_thread;
  g_ptr_array_add (fx->logs, g_strdup (text));
}

static void
on_finished (UbRecoveryJob *job,
             Fixture       *fx)
{
  fx->main_thread_only &= g_thread_self () == fx->main_thread;
  fx->finished_signals++;
}

static void
watch (Fixture       *fx,
       UbRecoveryJob *job)
{
  g_signal_connect (job, "progress", G_CALLBACK (on_progress), fx);
  g_signal_connect (job, "log", G_CALLBACK (on_log), fx);
  g_signal_connect (job, "finished", G_CALLBACK (on_finished), fx);
}

/* start(), then the main loop until ::finished */
static void
run_job (Fixture       *fx,
         UbRecoveryJob *job)
{
  g_autoptr(GError) error = NULL;

  watch (fx, job);
  ub_recovery_job_start (job, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_RUNNING);
  while (fx->finished_signals == 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (fx->finished_signals, ==, 1);
  g_assert_true (fx->main_thread_only);
}

static void
assert_received_identical (Fixture *fx)
{
  g_autofree char *contents = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (fx->received, &contents, &len, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (contents, len, g_bytes_get_data (fx->package, NULL), PACKAGE_SIZE);
}

static void
test_query_from_info (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = query_phone (fx);

  g_assert_cmpstr (query->device, ==, "begonia");
  g_assert_cmpstr (query->version, ==, "V12.5.6.0.RGGMIXM");
  g_assert_cmpstr (query->serial, ==, "3f6a2b91");
  g_assert_cmpstr (query->codebase, ==, "11.0");
  g_assert_cmpstr (query->branch, ==, "F");
  g_assert_cmpstr (query->language, ==, "en-US");
  g_assert_cmpstr (query->region, ==, "GL");
  g_assert_cmpstr (query->zone, ==, "2");
}

static void
test_install (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);

  g_assert_false (ub_rom_approval_get_erase (approval));
  g_assert_cmpint (ub_recovery_job_get_kind (job), ==, UB_RECOVERY_JOB_INSTALL);
  g_assert_cmpstr (ub_recovery_job_get_path (job), ==, fx->rom);
  g_assert_true (ub_recovery_job_get_approval (job) == approval);
  run_job (fx, job);
  g_assert_no_error ((GError *) ub_recovery_job_get_error (job));
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_cmpstr (ub_recovery_job_get_phone_message (job), ==, "DONEDONE");
  g_assert_null (ub_recovery_job_get_next_step (job));
  assert_received_identical (fx);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 1);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), >=, 2 * PACKAGE_SIZE);
  /* the job restarts the phone into the system */
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "");
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_RESTART);
  /* both reads were reported, and the bar never passed its total */
  g_assert_true (fx->saw_checking);
  g_assert_true (fx->saw_installing);
  g_assert_cmpuint (fx->max_done, >, PACKAGE_SIZE);
  g_assert_true (ub_progress_get_done (ub_recovery_job_get_progress (job)));
  g_assert_cmpfloat (ub_recovery_job_get_elapsed (job), >, 0);
  g_assert_cmpuint (fx->logs->len, >, 3);
}

static void
test_install_no_restart (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, NULL, fx->rom, approval);
  g_autoptr(GError) error = NULL;

  ub_recovery_job_set_restart (job, FALSE);
  /* run_sync: the signals on this thread too */
  watch (fx, job);
  g_assert_true (ub_recovery_job_run_sync (job, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fx->finished_signals, ==, 1);
  g_assert_true (fx->main_thread_only);
  assert_received_identical (fx);
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
  /* a job runs once */
  g_assert_false (ub_recovery_job_start (job, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_FAILED);
}

/* Xiaomi says the install erases the data: the job needs the confirmation. */
static void
test_install_erase_needs_confirmation (Fixture       *fx,
                                       gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  g_autoptr(GError) error = NULL;

  g_assert_true (ub_rom_approval_get_erase (approval));
  g_assert_false (ub_recovery_job_start (job, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_READY);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
  ub_recovery_job_set_confirmed (job, TRUE);
  run_job (fx, job);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  assert_received_identical (fx);
}

/* A file whose MD5 is not the approved one: nothing reaches the phone. */
static void
test_md5_mismatch (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = NULL;
  g_autofree char *other = NULL;
  g_autofree char *other_md5 = NULL;
  g_autofree char *expected = NULL;
  const GError *error;

  /* the same size, one byte changed */
  {
    g_autofree guint8 *copy = g_memdup2 (g_bytes_get_data (fx->package, NULL), PACKAGE_SIZE);
    copy[PACKAGE_SIZE / 2] ^= 0x55;
    other = ub_test_write_file (fx->dir, "other.zip", (const char *) copy, PACKAGE_SIZE);
  }
  other_md5 = ub_test_md5_of_file (other);
  job = ub_recovery_job_new_install (fx->address, "3f6a2b91", other, approval);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_CHECKSUM);
  expected = g_strdup_printf ("This file is not the package Xiaomi approved (its MD5 is %s, the "
                              "approval is for %s). Nothing was sent to the phone.",
                              other_md5, fx->md5);
  g_assert_cmpstr (error->message, ==, expected);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_VERIFY);
  g_assert_nonnull (ub_recovery_job_get_next_step (job));
  /* the recovery saw no sideload at all */
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
  g_assert_false (g_file_test (fx->received, G_FILE_TEST_EXISTS));
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

/* The approval was asked for another phone. */
static void
test_wrong_serial (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "deadbeef", fx->rom,
                                                              approval);
  const GError *error;

  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH);
  g_assert_cmpstr (error->message, ==, "This is not the phone the approval was for (its serial is "
                                       "3f6a2b91; the approval is for deadbeef). Nothing was sent "
                                       "to the phone.");
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_CONNECT);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
  g_assert_false (g_file_test (fx->received, G_FILE_TEST_EXISTS));
}

/* Xiaomi refuses: no approval, so there is no job; the refusal's advice. */
static void
test_refusal (Fixture       *fx,
              gconstpointer  data)
{
  g_autoptr(UbUpdateQuery) query = query_phone (fx);
  g_autoptr(GError) error = NULL;
  g_autoptr(UbRomApproval) approval = NULL;
  g_autofree char *advice = NULL;

  ub_emu_update_server_set_refusal (fx->fake, "This package is not allowed for this device");
  approval = ub_update_server_approve (fx->server, query, fx->md5, NULL, &error);
  g_assert_null (approval);
  g_assert_error (error, UB_ONLINE_ERROR, UB_ONLINE_ERROR_REFUSED);
  g_assert_nonnull (strstr (error->message, "This package is not allowed for this device"));
  advice = ub_advice_for_error (error, fx->address, UB_ADVICE_RECOVERY);
  g_assert_nonnull (advice);
  g_assert_nonnull (strstr (advice, "unbrick-cli recovery roms"));
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
}

/* The recovery stops asking for blocks for longer than the job allows. */
static void
test_fault_silence (Fixture       *fx,
                    gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  const GError *error;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_SILENCE, PACKAGE_SIZE + BLOCK,
                             4000);
  /* 1 s: well above a loaded machine's gaps between two requests, well below the silence */
  ub_recovery_job_set_sideload_timeout (job, 1000);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ADB_ERROR, UB_ADB_ERROR_TIMEOUT);
  g_assert_cmpstr (error->message, ==, SILENCE_MESSAGE);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_INSTALLING);
  g_assert_cmpstr (ub_recovery_job_get_next_step (job), ==,
                   "The phone stopped asking for data. It may still be working: watch its screen "
                   "and wait. If nothing changes for 10 minutes, unplug the cable, enter Connect "
                   "with MIAssistant again, reconnect and install again — the package is kept.");
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

/* The cable is pulled during the install. */
static void
test_fault_unplug (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  const GError *error;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG, PACKAGE_SIZE / 2, 0);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, UNPLUG_MESSAGE);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_CHECKING);
  g_assert_cmpstr (ub_recovery_job_get_next_step (job), ==,
                   "The install was interrupted. The phone stays in recovery: keep it there (or "
                   "enter Connect with MIAssistant again), reconnect the cable and install again "
                   "— the package is kept.");
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
}

/* The recovery checks the package and refuses it. */
static void
test_fault_install_fail (Fixture       *fx,
                         gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  const GError *error;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_INSTALL_FAIL, 0, 0);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "The phone reported that the install failed: " UB_EMU_RECOVERY_FAIL_TEXT);
  g_assert_cmpstr (ub_recovery_job_get_phone_message (job), ==, UB_EMU_RECOVERY_FAIL_TEXT);
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "Try another ROM"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

/* The approval binds the phone as it was when asked (serial, version, ROM
 * zone): a phone that no longer matches refuses the token before it asks for
 * a single block, and the job says so in the phone's words. */
static void
assert_token_refused (Fixture    *fx,
                      const char *key,
                      const char *value)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  const GError *error;

  ub_emu_recovery_set_info (fx->recovery, key, value);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ADB_ERROR, UB_ADB_ERROR_INSTALL_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "The phone reported that the install failed: Verification failed: this "
                   "package is not approved for this phone");
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "Try another ROM"));
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

static void
test_token_zone_mismatch (Fixture       *fx,
                          gconstpointer  data)
{
  assert_token_refused (fx, "romzone", "1");
}

static void
test_token_version_mismatch (Fixture       *fx,
                             gconstpointer  data)
{
  assert_token_refused (fx, "version", "V12.5.7.0.RGGMIXM");
}

/* The approved file was cut short afterwards (a copy interrupted, a full
 * disk): its end (the ZIP's central directory) is missing, which is said
 * before it is even hashed, and the phone is never opened. */
static void
test_truncated_file (Fixture       *fx,
                     gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = NULL;
  g_autofree char *prefix = NULL;
  const GError *error;

  g_assert_cmpint (truncate (fx->rom, PACKAGE_SIZE - 4321), ==, 0);
  job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom, approval);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ROM_ERROR, UB_ROM_ERROR_ARCHIVE);
  prefix = g_strdup_printf ("%s: This .zip file is incomplete or damaged (", fx->rom);
  g_assert_true (g_str_has_prefix (error->message, prefix));
  g_assert_true (g_str_has_suffix (error->message, "). Download it again."));
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_VERIFY);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
  g_assert_false (g_file_test (fx->received, G_FILE_TEST_EXISTS));
}

/* A started phone (adb AUTH) or one not in Mi Assistant mode: how to get there. */
static void
test_fault_auth (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);
  const GError *error;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_AUTH, 0, 0);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_ADB_ERROR, UB_ADB_ERROR_AUTH_REQUIRED);
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "Connect with MIAssistant"));
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "Volume Up and Power"));
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
}

static void
on_progress_cancel (UbRecoveryJob *job,
                    Fixture       *fx)
{
  if (ub_recovery_job_get_stage (job) == UB_RECOVERY_STAGE_CHECKING &&
      ub_progress_get_bytes_done (ub_recovery_job_get_progress (job)) > 0 &&
      ub_recovery_job_get_state (job) == UB_FLASH_JOB_RUNNING)
    ub_recovery_job_cancel (job);
}

/* Cancel between blocks: the phone stays in recovery, the next step says so. */
static void
test_cancel (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(UbRomApproval) approval = approve (fx, fx->md5);
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_install (fx->address, "3f6a2b91", fx->rom,
                                                              approval);

  /* slow enough to be caught mid-way: a pause after the first blocks */
  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_SILENCE, 4 * BLOCK, 1000);
  g_signal_connect (job, "progress", G_CALLBACK (on_progress_cancel), fx);
  run_job (fx, job);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_CANCELLED);
  g_assert_error ((GError *) ub_recovery_job_get_error (job), G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "The install was interrupted"));
  g_assert_cmpuint (ub_emu_recovery_get_installs (fx->recovery), ==, 0);
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), <, 2 * PACKAGE_SIZE);
}

static void
test_wipe_data (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_wipe_data (fx->address, "3f6a2b91");
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (ub_recovery_job_get_kind (job), ==, UB_RECOVERY_JOB_WIPE_DATA);
  /* not without the confirmation */
  g_assert_false (ub_recovery_job_start (job, &error));
  g_assert_error (error, UB_ROM_ERROR, UB_ROM_ERROR_PREFLIGHT);
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 0);
  ub_recovery_job_set_confirmed (job, TRUE);
  run_job (fx, job);
  g_assert_no_error ((GError *) ub_recovery_job_get_error (job));
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_SUCCEEDED);
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 1);
  g_assert_cmpstr (ub_emu_recovery_get_last_reboot (fx->recovery), ==, "");
  g_assert_cmpuint (ub_emu_recovery_get_bytes_received (fx->recovery), ==, 0);
}

/* The cable is pulled while the phone formats /data: no answer comes. */
static void
test_wipe_data_unplug (Fixture       *fx,
                       gconstpointer  data)
{
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_wipe_data (fx->address, "3f6a2b91");
  const GError *error;

  ub_emu_recovery_set_fault (fx->recovery, UB_EMU_RECOVERY_FAULT_UNPLUG, 0, 0);
  ub_recovery_job_set_confirmed (job, TRUE);
  run_job (fx, job);
  error = ub_recovery_job_get_error (job);
  g_assert_error ((GError *) error, UB_FASTBOOT_ERROR, UB_FASTBOOT_ERROR_NO_DEVICE);
  g_assert_cmpstr (error->message, ==,
                   "The factory reset was interrupted: The device closed the connection");
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_cmpint (ub_recovery_job_get_stage (job), ==, UB_RECOVERY_STAGE_INSTALLING);
  g_assert_cmpstr (ub_recovery_job_get_next_step (job), ==,
                   "The factory reset may not have finished. Keep the phone in recovery (or "
                   "enter Connect with MIAssistant again), reconnect the cable and erase all "
                   "data again.");
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 0);
  g_assert_true (g_ptr_array_find_with_equal_func (fx->logs, "Erasing all data…", g_str_equal,
                                                   NULL));
  g_assert_false (g_ptr_array_find_with_equal_func (fx->logs, "All data was erased.",
                                                    g_str_equal, NULL));
  /* no restart was asked for after the failure */
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

static void
test_wipe_data_wrong_phone (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(UbRecoveryJob) job = ub_recovery_job_new_wipe_data (fx->address, "deadbeef");

  ub_recovery_job_set_confirmed (job, TRUE);
  run_job (fx, job);
  g_assert_error ((GError *) ub_recovery_job_get_error (job), UB_ROM_ERROR, UB_ROM_ERROR_MISMATCH);
  g_assert_cmpuint (ub_emu_recovery_get_formats (fx->recovery), ==, 0);
  g_assert_null (ub_emu_recovery_get_last_reboot (fx->recovery));
}

/* No phone at the address: advice for Mi Assistant mode, not fastboot. */
static void
test_no_phone (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(UbRecoveryJob) job = NULL;

  ub_emu_adb_server_stop (fx->adb);
  job = ub_recovery_job_new_wipe_data (fx->address, "3f6a2b91");
  ub_recovery_job_set_confirmed (job, TRUE);
  run_job (fx, job);
  g_assert_cmpint (ub_recovery_job_get_state (job), ==, UB_FLASH_JOB_FAILED);
  g_assert_nonnull (ub_recovery_job_get_next_step (job));
  g_assert_nonnull (strstr (ub_recovery_job_get_next_step (job), "Mi Assistant mode"));
  g_assert_null (strstr (ub_recovery_job_get_next_step (job), "fastboot mode"));
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func, erase) \
  g_test_add ("/recovery-job/" path, Fixture, GINT_TO_POINTER (erase), fixture_setup, func, \
              fixture_teardown)
  ADD ("query-from-info", test_query_from_info, FALSE);
  ADD ("install", test_install, FALSE);
  ADD ("install-no-restart", test_install_no_restart, FALSE);
  ADD ("install-erase-needs-confirmation", test_install_erase_needs_confirmation, TRUE);
  ADD ("md5-mismatch", test_md5_mismatch, FALSE);
  ADD ("wrong-serial", test_wrong_serial, FALSE);
  ADD ("refusal", test_refusal, FALSE);
  ADD ("fault-silence", test_fault_silence, FALSE);
  ADD ("fault-unplug", test_fault_unplug, FALSE);
  ADD ("fault-install-fail", test_fault_install_fail, FALSE);
  ADD ("fault-auth", test_fault_auth, FALSE);
  ADD ("token-zone-mismatch", test_token_zone_mismatch, FALSE);
  ADD ("token-version-mismatch", test_token_version_mismatch, FALSE);
  ADD ("truncated-file", test_truncated_file, FALSE);
  ADD ("cancel", test_cancel, FALSE);
  ADD ("wipe-data", test_wipe_data, FALSE);
  ADD ("wipe-data-unplug", test_wipe_data_unplug, FALSE);
  ADD ("wipe-data-wrong-phone", test_wipe_data_wrong_phone, FALSE);
  ADD ("no-phone", test_no_phone, FALSE);
#undef ADD
  return g_test_run ();
}
