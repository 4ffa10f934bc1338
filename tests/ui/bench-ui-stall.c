/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * How responsive the wizard stays while it flashes: the whole flow in
 * process (Detect → demo firmware → Confirm, "clean all" → Flash) against
 * the demo phone, once throttled so the flash lasts ~15 s, once as fast as
 * the emulator goes, and once as fast with the log shown. While flashing a
 * 1 ms timeout at default priority (the priority of input events) records
 * how late each dispatch comes (the main-loop stall), the window's frame
 * clock records what each frame costs, and the progress signals of the job
 * and the redraws of the flash page are counted.
 *
 * A stall is wall-clock time, so on a loaded machine it also holds the time
 * the main thread waited for a CPU (preempted, or Xvfb slow to answer); the
 * main thread's CPU time in each stall is printed too: that part is work the
 * UI did itself.
 *
 * Prints one figure a line; exits 0 unless the flash itself fails. Run it
 * with `meson test -C build --benchmark ui-stall`; UB_BENCH_TRACE=1 also
 * prints every stall and frame over 8 ms, the job's log lines, with times.
 */
#define _GNU_SOURCE  /* RUSAGE_THREAD */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "ub-confirm-page.h"
#include "ub-detect-page.h"
#include "ub-emu-demo.h"
#include "ub-firmware-page.h"
#include "ub-flash-page.h"
#include "ub-phone.h"
#include "ub-ui-test.h"
#include "ub-window.h"

#define PROBE_INTERVAL_MS 1
#define STALL_TARGET_MS   16.0

/* UB_BENCH_TRACE=1: also print every stall and frame over 8 ms, when it happened */
static gboolean trace;

typedef struct {
  const char *name;
  guint64     rate;          /* bytes a second, 0 = unthrottled */
  gboolean    show_log;

  UbEmuDemo  *demo;
  UbWindow   *window;
  UbPhone    *phone;
  UbFlashJob *job;

  gboolean    flashing;
  gboolean    finished;
  gint64      started_us;
  gint64      finished_us;
  gint64      started_cpu_us;
  gint64      finished_cpu_us;
  guint       updates_at_start;
  guint       updates_at_end;
  guint       n_progress;
  guint       n_log;
  guint64     bytes_total;

  guint       probe;
  gint64      last_probe_us;
  GArray     *stalls;        /* of gint64 µs */
  gint64      last_probe_cpu_us;
  GArray     *busy;          /* of gint64 µs: the CPU time the main thread used in each stall */
  guint       n_preempted;   /* stalls > target with an involuntary context switch */
  struct rusage last_usage;

  GdkFrameClock *clock;
  gulong      before_paint_id;
  gulong      after_paint_id;
  gulong      paint_id;
  gulong      update_id;
  gulong      layout_id;
  gint64      update_end_us;
  gint64      layout_end_us;
  gint64      paint_end_us;
  gboolean    painted;
  guint       n_paints;
  gint64      frame_begin_us;
  GArray     *frame_work;    /* of gint64 µs: layout + paint of one frame */
} Run;

static GtkWidget *
page (Run *run, const char *name)
{
  return ub_window_get_page (run->window, name);
}

static const char *
visible_page (Run *run)
{
  return gtk_stack_get_visible_child_name (ub_window_get_stack (run->window));
}

static gboolean
flash_finished (gpointer data)
{
  Run *run = data;
  return run->finished;
}

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/*
 * A stall is either work on the main thread (it used the CPU all along) or
 * time it did not get the CPU: preempted by the flash and emulator threads
 * or other processes, or blocked in a system call. The CPU time used
 * separates the two.
 */
static gboolean
on_probe (gpointer data)
{
  Run *run = data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_us ();
  struct rusage usage;

  getrusage (RUSAGE_THREAD, &usage);
  if (run->flashing && run->last_probe_us != 0)
    {
      gint64 stall = MAX (0, now - run->last_probe_us - PROBE_INTERVAL_MS * 1000);
      gint64 busy = MIN (stall, MAX (0, cpu - run->last_probe_cpu_us - PROBE_INTERVAL_MS * 1000));
      long involuntary = usage.ru_nivcsw - run->last_usage.ru_nivcsw;
      long voluntary = usage.ru_nvcsw - run->last_usage.ru_nvcsw;

      g_array_append_val (run->stalls, stall);
      g_array_append_val (run->busy, busy);
      run->n_preempted += stall > STALL_TARGET_MS * 1000 && involuntary > 0;
      if (trace && stall > 8000)
        printf ("[%s] trace: stall of %.1f ms (CPU %.1f ms, %ld preemptions, %ld waits) at +%.3f s\n",
                run->name, stall / 1000.0, busy / 1000.0, involuntary, voluntary, (now - run->started_us) / 1e6);
    }
  run->last_probe_us = now;
  run->last_probe_cpu_us = cpu;
  run->last_usage = usage;
  return G_SOURCE_CONTINUE;
}

static void
on_before_paint (GdkFrameClock *clock, Run *run)
{
  run->frame_begin_us = g_get_monotonic_time ();
  run->painted = FALSE;
  run->update_end_us = run->layout_end_us = run->paint_end_us = 0;
}

static void
on_paint (GdkFrameClock *clock, Run *run)
{
  run->painted = TRUE;
  run->paint_end_us = g_get_monotonic_time ();
}

static void
on_update (GdkFrameClock *clock, Run *run)
{
  run->update_end_us = g_get_monotonic_time ();
}

static void
on_layout (GdkFrameClock *clock, Run *run)
{
  run->layout_end_us = g_get_monotonic_time ();
}

static void
on_after_paint (GdkFrameClock *clock, Run *run)
{
  gint64 work;

  if (!run->flashing || run->frame_begin_us == 0)
    return;
  work = g_get_monotonic_time () - run->frame_begin_us;
  g_array_append_val (run->frame_work, work);
  run->n_paints += run->painted;
  if (trace && work > 8000)
    printf ("[%s] trace: frame of %.1f ms (%s) at +%.3f s: update ends +%.1f ms, layout +%.1f, paint +%.1f\n",
            run->name, work / 1000.0, run->painted ? "painted" : "not painted",
            (run->frame_begin_us - run->started_us) / 1e6,
            run->update_end_us ? (run->update_end_us - run->frame_begin_us) / 1000.0 : -1.0,
            run->layout_end_us ? (run->layout_end_us - run->frame_begin_us) / 1000.0 : -1.0,
            run->paint_end_us ? (run->paint_end_us - run->frame_begin_us) / 1000.0 : -1.0);
  run->frame_begin_us = 0;
}

static void
on_job_progress (UbFlashJob *job, UbFlashProgress *progress, Run *run)
{
  run->n_progress++;
  run->bytes_total = progress->total;
}

static void
on_job_log (UbFlashJob *job, const char *line, Run *run)
{
  run->n_log++;
  if (trace)
    printf ("[%s] trace: log at +%.3f s: %s\n", run->name, (g_get_monotonic_time () - run->started_us) / 1e6, line);
}

/* After the window's own handler: the job exists and has started. */
static void
on_confirm_flash (UbConfirmPage *confirm, Run *run)
{
  run->job = ub_phone_get_job (run->phone);
  g_assert_nonnull (run->job);
  g_object_ref (run->job);
  g_signal_connect (run->job, "progress", G_CALLBACK (on_job_progress), run);
  g_signal_connect (run->job, "log", G_CALLBACK (on_job_log), run);
  run->updates_at_start = ub_window_get_n_progress_updates (run->window);
  run->started_us = g_get_monotonic_time ();
  run->started_cpu_us = thread_cpu_us ();
  run->last_probe_us = 0;
  run->flashing = TRUE;
}

static void
on_flash_page_finished (UbFlashPage *flash, Run *run)
{
  run->finished_us = g_get_monotonic_time ();
  run->finished_cpu_us = thread_cpu_us ();
  run->updates_at_end = ub_window_get_n_progress_updates (run->window);
  run->flashing = FALSE;
  run->finished = TRUE;
}

static int
cmp_gint64 (gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;
  return (x > y) - (x < y);
}

static double
percentile_ms (GArray *values, double p)
{
  guint i;

  if (values->len == 0)
    return 0.0;
  i = (guint) (p * (values->len - 1) + 0.5);
  return g_array_index (values, gint64, MIN (i, values->len - 1)) / 1000.0;
}

static guint
count_above (GArray *values, double ms)
{
  guint n = 0;

  for (guint i = 0; i < values->len; i++)
    n += g_array_index (values, gint64, i) > (gint64) (ms * 1000);
  return n;
}

static void
trace_spinners (GtkWidget *root, const char *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_SPINNER (child) && gtk_spinner_get_spinning (GTK_SPINNER (child)))
        printf ("[%s] trace: spinning spinner %p, mapped %d, visible %d\n", name, (void *) child,
                gtk_widget_get_mapped (child), gtk_widget_get_visible (child));
      trace_spinners (child, name);
    }
}

static void
expand_log (GtkWidget *root)
{
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_EXPANDER (child))
        gtk_expander_set_expanded (GTK_EXPANDER (child), TRUE);
      expand_log (child);
    }
}

/* Returns the longest stall in ms, or a negative value when the flash failed. */
static double
run_once (Run *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) selected = NULL;
  UbConfirmPage *confirm;
  UbFirmwarePage *firmware;
  double seconds, max_stall;
  gboolean succeeded;

  run->stalls = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->busy = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->frame_work = g_array_new (FALSE, FALSE, sizeof (gint64));
  run->demo = ub_emu_demo_new (&error);
  g_assert_no_error (error);
  run->window = ub_window_new (NULL, run->demo);
  gtk_window_set_default_size (GTK_WINDOW (run->window), 800, 720);
  ub_ui_present (GTK_WINDOW (run->window));
  confirm = UB_CONFIRM_PAGE (page (run, "confirm"));
  firmware = UB_FIRMWARE_PAGE (page (run, "firmware"));

  /* Detect → Firmware → Confirm (clean all: every partition) */
  g_assert_true (ub_ui_wait (ub_ui_phone_ready, run->window, 10));
  selected = ub_detect_page_get_selected (UB_DETECT_PAGE (page (run, "detect")));
  run->phone = g_object_ref (g_ptr_array_index (selected, 0));
  ub_ui_click (page (run, "detect"), "_Continue");
  ub_ui_click (page (run, "firmware"), "Use the _Demo Firmware");
  g_assert_true (ub_ui_wait (ub_ui_firmware_settled, run->window, 30));
  g_assert_true (ub_firmware_page_get_ready (firmware));
  ub_ui_click (page (run, "firmware"), "_Continue");
  g_assert_cmpstr (visible_page (run), ==, "confirm");
  g_assert_true (ub_ui_wait (ub_ui_checks_done, run->window, 60));
  ub_confirm_page_set_mode (confirm, UB_ROM_MODE_CLEAN_ALL);
  g_assert_true (ub_ui_wait (ub_ui_checks_done, run->window, 60));
  g_assert_true (ub_confirm_page_get_can_flash (confirm));
  if (run->show_log)
    expand_log (page (run, "flash"));

  g_signal_connect_after (confirm, "flash", G_CALLBACK (on_confirm_flash), run);
  g_signal_connect_after (page (run, "flash"), "finished", G_CALLBACK (on_flash_page_finished), run);
  run->clock = g_object_ref (gtk_widget_get_frame_clock (GTK_WIDGET (run->window)));
  run->before_paint_id = g_signal_connect (run->clock, "before-paint", G_CALLBACK (on_before_paint), run);
  run->after_paint_id = g_signal_connect (run->clock, "after-paint", G_CALLBACK (on_after_paint), run);
  run->paint_id = g_signal_connect (run->clock, "paint", G_CALLBACK (on_paint), run);
  run->update_id = g_signal_connect (run->clock, "update", G_CALLBACK (on_update), run);
  run->layout_id = g_signal_connect (run->clock, "layout", G_CALLBACK (on_layout), run);
  run->probe = g_timeout_add (PROBE_INTERVAL_MS, on_probe, run);

  ub_ui_click (page (run, "confirm"), "_Flash");
  ub_emu_demo_set_rate (run->demo, run->rate);
  ub_ui_answer_dialog ("flash");
  g_assert_true (run->flashing || run->finished);
  if (trace)
    {
      ub_ui_spin (1);
      trace_spinners (GTK_WIDGET (run->window), run->name);
    }
  g_assert_true (ub_ui_wait (flash_finished, run, 600));
  succeeded = ub_flash_page_get_succeeded (UB_FLASH_PAGE (page (run, "flash")));
  g_clear_handle_id (&run->probe, g_source_remove);
  g_clear_signal_handler (&run->before_paint_id, run->clock);
  g_clear_signal_handler (&run->after_paint_id, run->clock);
  g_clear_signal_handler (&run->paint_id, run->clock);
  g_clear_signal_handler (&run->update_id, run->clock);
  g_clear_signal_handler (&run->layout_id, run->clock);
  ub_ui_spin (0.2);

  seconds = (run->finished_us - run->started_us) / (double) G_USEC_PER_SEC;
  g_array_sort (run->stalls, cmp_gint64);
  g_array_sort (run->frame_work, cmp_gint64);
  g_array_sort (run->busy, cmp_gint64);
  max_stall = percentile_ms (run->stalls, 1.0);

  printf ("== %s\n", run->name);
  if (run->rate > 0)
    printf ("[%s] download throttle: %.1f MiB/s\n", run->name, run->rate / 1048576.0);
  else
    printf ("[%s] download throttle: none\n", run->name);
  printf ("[%s] flash result: %s\n", run->name, succeeded ? "succeeded" : "FAILED");
  printf ("[%s] flashing time: %.2f s (%.1f MiB sent, %.1f MiB/s)\n", run->name, seconds,
          run->bytes_total / 1048576.0, seconds > 0 ? run->bytes_total / 1048576.0 / seconds : 0.0);
  printf ("[%s] max main-loop stall while flashing: %.1f ms (target < %.0f ms)\n", run->name, max_stall,
          STALL_TARGET_MS);
  printf ("[%s] 99th percentile main-loop stall: %.2f ms\n", run->name, percentile_ms (run->stalls, 0.99));
  printf ("[%s] main-loop stalls > %.0f ms: %u of %u probes\n", run->name, STALL_TARGET_MS,
          count_above (run->stalls, STALL_TARGET_MS), run->stalls->len);
  printf ("[%s] stalls > %.0f ms with the main thread preempted: %u\n", run->name, STALL_TARGET_MS,
          run->n_preempted);
  printf ("[%s] max main-thread CPU time in one stall: %.1f ms (work the UI did itself)\n", run->name,
          percentile_ms (run->busy, 1.0));
  printf ("[%s] 99th percentile main-thread CPU time in a stall: %.2f ms\n", run->name,
          percentile_ms (run->busy, 0.99));
  printf ("[%s] progress redraws per second: %.1f (%u in all; limit 10)\n", run->name,
          seconds > 0 ? (run->updates_at_end - run->updates_at_start) / seconds : 0.0,
          run->updates_at_end - run->updates_at_start);
  printf ("[%s] job progress signals per second: %.1f (%u in all)\n", run->name,
          seconds > 0 ? run->n_progress / seconds : 0.0, run->n_progress);
  printf ("[%s] job log lines per second: %.1f (%u in all)\n", run->name,
          seconds > 0 ? run->n_log / seconds : 0.0, run->n_log);
  printf ("[%s] main-thread CPU while flashing: %.1f %% of one core\n", run->name,
          seconds > 0 ? (run->finished_cpu_us - run->started_cpu_us) / 1e4 / seconds : 0.0);
  printf ("[%s] frames per second: %.1f (%u in all)\n", run->name,
          seconds > 0 ? run->frame_work->len / seconds : 0.0, run->frame_work->len);
  printf ("[%s] frames painted per second: %.1f (%u in all)\n", run->name,
          seconds > 0 ? run->n_paints / seconds : 0.0, run->n_paints);
  printf ("[%s] max frame time (layout + paint): %.1f ms\n", run->name, percentile_ms (run->frame_work, 1.0));
  printf ("[%s] 99th percentile frame time: %.2f ms\n", run->name, percentile_ms (run->frame_work, 0.99));
  fflush (stdout);

  if (run->job != NULL)
    g_signal_handlers_disconnect_by_data (run->job, run);
  g_clear_object (&run->job);
  g_clear_object (&run->phone);
  g_clear_object (&run->clock);
  gtk_window_destroy (GTK_WINDOW (run->window));
  ub_ui_spin (0.1);
  g_clear_object (&run->demo);
  g_clear_pointer (&run->stalls, g_array_unref);
  g_clear_pointer (&run->busy, g_array_unref);
  g_clear_pointer (&run->frame_work, g_array_unref);
  return succeeded ? max_stall : -1.0;
}

int
main (int argc, char **argv)
{
  Run runs[] = {
    /* the demo ROM sends ~125 MiB: ~15 s */
    { .name = "throttled", .rate = 8 * 1024 * 1024 },
    { .name = "unthrottled", .rate = 0 },
    { .name = "unthrottled, log shown", .rate = 0, .show_log = TRUE },
  };
  double worst = 0.0;
  gboolean failed = FALSE;

  trace = g_strcmp0 (g_getenv ("UB_BENCH_TRACE"), "1") == 0;
  gtk_init ();
  adw_init ();

  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      double stall = run_once (&runs[i]);

      if (stall < 0)
        failed = TRUE;
      else
        worst = MAX (worst, stall);
    }
  printf ("== all runs\n");
  printf ("max main-loop stall while flashing, all runs: %.1f ms (target < %.0f ms): %s\n", worst,
          STALL_TARGET_MS, worst < STALL_TARGET_MS ? "met" : "NOT met");
  if (failed)
    {
      fprintf (stderr, "a flash failed: the figures above are not meaningful\n");
      return EXIT_FAILURE;
    }
  return EXIT_SUCCESS;
}
