#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo flow end to end through the accessibility bus, as a screen reader
or switch-access user's tool would drive it: `unbrick --demo` is started, found
on the AT-SPI desktop, and every step is done by finding a control by role and
accessible name and invoking its action (the exceptions: GTK 4.8 gives check
buttons no AT-SPI action, so the mode is chosen with its row's mnemonic, typed
through the registry like a keyboard user would, and Done is pressed with its
mnemonic too, which proves that a button's mnemonic still works). Along the way it asserts what an AT
user depends on: named buttons and progress bars, every button (on each page
and in the dialog) named exactly its visible text, mnemonic underscore removed
and said once, a Flash button that stays insensitive while the checks run, and
the result announced as text. Then the locked demo phone the same way through
Xiaomi's recovery: chosen with Tab and Space, Do It for Me (Demo), the ROMs
Xiaomi offers (each button named with its version, so they can be told apart),
Next once approved, Install, a named progress bar, the result.

Run inside `xvfb-run -a dbus-run-session -- /usr/bin/python3 test-a11y-demo.py
path/to/unbrick` (xvfb-run outermost, so that the bus-activated registry has a
display).
"""
import os
import subprocess
import sys
import tempfile
import time

import pyatspi
from gi.repository import Atspi, GLib

START = time.monotonic()
APP_PATH = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get('UB_BUILD_DIR', 'build'), 'src', 'ui', 'unbrick')
TYPE_NAME_PREFIXES = ('Gtk', 'Adw')

app_proc = None
app_log = None
pages_seen = []
controls_seen = {}   # (page, role, name) → name, for the final naming assertions
name_issues = []     # controls met without a real accessible name
text_issues = []     # buttons whose accessible name is not their visible text


def step(text):
    print(f'[{time.monotonic() - START:6.1f}s] {text}', flush=True)


def dump(node, depth=0, out=None, limit=40):
    out = [] if out is None else out
    if node is None or depth > limit:
        return out
    try:
        states = [pyatspi.stateToString(s) for s in node.getState().getStates()
                  if s in (pyatspi.STATE_SENSITIVE, pyatspi.STATE_CHECKED)]
        out.append('  ' * depth + f'[{node.getRoleName()}] {node.name!r} {states}')
        for child in node:
            dump(child, depth + 1, out, limit)
    except GLib.GError as e:
        out.append('  ' * depth + f'(gone: {e})')
    return out


def stop_app():
    if app_proc is not None and app_proc.poll() is None:
        app_proc.terminate()
        try:
            app_proc.wait(10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
            app_proc.wait()


def fail(message, scope=None):
    print(f'FAIL: {message}', file=sys.stderr, flush=True)
    if scope is not None:
        print('--- accessible tree of the current scope:', file=sys.stderr)
        print('\n'.join(dump(scope)), file=sys.stderr)
    stop_app()
    if app_log is not None:
        app_log.seek(0)
        print('--- app output:', file=sys.stderr)
        sys.stderr.write(app_log.read().decode(errors='replace'))
    sys.exit(1)


def wait_for(what, probe, timeout, scope=None):
    """Polls probe() every 0.1 s until it returns something truthy; fails after timeout s."""
    deadline = time.monotonic() + timeout
    while True:
        if app_proc.poll() is not None:
            fail(f'the app exited (rc {app_proc.returncode}) while waiting for {what}')
        try:
            value = probe()
        except GLib.GError:
            value = None   # an object went away while we looked: try again
        if value:
            return value
        if time.monotonic() > deadline:
            fail(f'timed out after {timeout} s waiting for {what}', scope)
        pump(0.1)


def pump(seconds):
    """Sleeps while dispatching the AT-SPI events that arrive meanwhile."""
    context = GLib.MainContext.default()
    end = time.monotonic() + seconds
    while True:
        while context.pending():
            context.iteration(False)
        if time.monotonic() >= end:
            return
        time.sleep(0.01)


events = []   # (role, name, event type, detail1), in the order the app sent them


def on_event(event):
    try:
        events.append((event.source.getRoleName(), event.source.name or '', event.type, event.detail1))
    except GLib.GError:
        events.append(('?', '?', event.type, event.detail1))


def walk(node):
    """Every descendant of node (depth first), skipping objects that vanish meanwhile."""
    try:
        children = list(node)
    except GLib.GError:
        return
    for child in children:
        if child is None:
            continue
        yield child
        yield from walk(child)


def find_all(scope, predicate):
    found = []
    for node in walk(scope):
        try:
            if predicate(node):
                found.append(node)
        except GLib.GError:
            pass
    return found


def find(scope, predicate):
    for node in walk(scope):
        try:
            if predicate(node):
                return node
        except GLib.GError:
            pass
    return None


def plain(label):
    return label.replace('_', '')


def names_label(name, label):
    """True when an accessible name is the one of a control labelled `label`
    (with its mnemonic underscore): the label without the underscore, said
    once, not GTK 4.8's '_Continue Continue' for a button made with
    gtk_button_set_label() and use-underline."""
    return name == plain(label)


def visible_text(node):
    """What the button shows: the text of the labels inside it, or None (an icon)."""
    texts = []
    for label in find_all(node, lambda n: n.getRoleName() == 'label'):
        try:
            text = label.queryText()
            texts.append(text.getText(0, text.characterCount))
        except NotImplementedError:
            texts.append(label.name or '')
    return ' '.join(texts) if texts else None


def has_state(node, state):
    return node.getState().contains(state)


def sensitive(node):
    # GTK 4.8 exposes STATE_SENSITIVE only (no STATE_ENABLED) for a sensitive widget
    return has_state(node, pyatspi.STATE_SENSITIVE)


def control(scope, role, label):
    return find(scope, lambda n: n.getRoleName() == role and names_label(n.name or '', label))


def invoke(node, what):
    """Does the node's main action (click/activate), as an assistive technology would."""
    try:
        action = node.queryAction()
    except NotImplementedError:
        fail(f'{what} has no Action interface', node.parent)
    names = [action.getName(i) for i in range(action.nActions)]
    for wanted in ('click', 'activate', 'press', 'toggle'):
        if wanted in names:
            if not action.doAction(names.index(wanted)):
                fail(f'{what}: the {wanted!r} action was refused')
            return
    fail(f'{what} offers no click/activate action (it has {names})')


def press_mnemonic(letter):
    """Types Alt+letter into the focused window through the AT-SPI registry."""
    alt = 1 << 3   # Mod1
    Atspi.generate_keyboard_event(alt, None, Atspi.KeySynthType.LOCKMODIFIERS)
    try:
        Atspi.generate_keyboard_event(ord(letter), None, Atspi.KeySynthType.SYM)
    finally:
        Atspi.generate_keyboard_event(alt, None, Atspi.KeySynthType.UNLOCKMODIFIERS)


def titled_by_row(node, name, shown):
    """The one allowed extra: the button a row activates is also labelled by
    the row's title (its mnemonic label), 'Choose… Image file'."""
    up = node.parent
    for _ in range(4):
        if up is None:
            return False
        if up.name and name == f'{shown} {up.name}':
            return True
        up = up.parent
    return False


def remember_controls(page_name, scope):
    """Records every push button, check/radio button and progress bar now in scope."""
    for node in find_all(scope, lambda n: n.getRoleName() in
                         ('push button', 'check box', 'radio button', 'progress bar', 'toggle button')):
        name = node.name or ''
        if not name.strip() or name.startswith(TYPE_NAME_PREFIXES):
            path, up = [], node.parent
            while up is not None and up.getRoleName() != 'frame' and len(path) < 6:
                path.append(f'[{up.getRoleName()}] {up.name!r}')
                up = up.parent
            name_issues.append(f'{node.getRoleName()} {name!r} on {page_name} (inside {" < ".join(path)}; '
                               f'children {[(c.getRoleName(), c.name) for c in node]})')
        if node.getRoleName() in ('push button', 'toggle button'):
            shown = visible_text(node)
            if shown is not None and name != shown and not titled_by_row(node, name, shown):
                text_issues.append(f'{node.getRoleName()} on {page_name} named {name!r}, showing {shown!r}')
        controls_seen.setdefault((page_name, node.getRoleName(), name), name)


def subtitle(frame):
    """The window title's second line: "Step N of 5: …", or a page's own title."""
    title = find(frame, lambda n: n.getRoleName() == 'label' and n.name == 'Unbrick')
    label = None
    if title is not None and title.parent is not None:
        label = find(title.parent, lambda n: n.getRoleName() == 'label' and n.name != 'Unbrick')
    return label.name if label is not None else None


def go_to_page(frame, number, title, timeout=10, nth=0):
    """Waits until the window subtitle says the wizard is on `title` (step `number`, or
    a page outside the steps when None); returns that page's panel: the nth of that
    title (GTK 4.8 marks every page of a stack visible; the recovery path's pages
    come after the fastboot path's of the same title)."""
    expected = f'Step {number} of 5: {title}' if number is not None else title
    wait_for(f'the page “{expected}”', lambda: subtitle(frame) == expected, timeout, frame)
    panels = find_all(frame, lambda n: n.getRoleName() == 'panel' and n.name == title)
    panel = panels[nth] if len(panels) > nth else None
    if panel is None:
        fail(f'no panel named “{title}” for the page', frame)
    pages_seen.append(title)
    step(f'on “{expected}”')
    return panel


def focus_and_press_space(scope, node, what):
    """Moves the keyboard focus to node as a keyboard user does (Tab, through
    the registry) and presses Space: GTK 4.8 gives check buttons no AT-SPI
    action."""
    for _ in range(40):
        if has_state(node, pyatspi.STATE_FOCUSED):
            break
        Atspi.generate_keyboard_event(0xff09, None, Atspi.KeySynthType.SYM)   # Tab
        pump(0.15)
    else:
        fail(f'Tab never reached {what}', scope)
    Atspi.generate_keyboard_event(0x20, None, Atspi.KeySynthType.SYM)      # space
    step(f'tabbed to {node.getRoleName()} {node.name!r} and pressed Space')


def press(scope, label, what, timeout=10, role='push button'):
    """Waits for a sensitive control named `label` in scope and invokes it."""
    def ready():
        node = control(scope, role, label)
        return node if node is not None and sensitive(node) else None
    node = wait_for(f'{what} (a sensitive {role} named “{plain(label)}”)', ready, timeout, scope)
    invoke(node, what)
    step(f'pressed {role} {node.name!r}')
    return node


def shows_text(scope, text):
    return find(scope, lambda n: n.getRoleName() == 'label' and text in (n.name or ''))


def recovery_flow(app, frame):
    """The locked demo phone through Xiaomi's recovery: chosen in the list,
    the keys (done by the demo), the ROM Xiaomi offers downloaded and
    approved, Install, the result."""
    page = go_to_page(frame, 1, 'Connect your phone')
    phones = wait_for('the list “Connected phones”',
                      lambda: find(page, lambda n: n.getRoleName() == 'list' and n.name == 'Connected phones'),
                      10, page)

    def locked_choice():
        return find(phones, lambda n: n.getRoleName() == 'check box'
                    and (n.name or '').startswith('Choose this phone'))
    choice = wait_for('the locked demo phone (a check box “Choose this phone …”)', locked_choice, 60, phones)
    item = choice
    while item is not None and item.getRoleName() != 'list item':
        item = item.parent
    if item is None or 'bootloader locked' not in ''.join(
            (n.name or '') for n in find_all(item, lambda n: n.getRoleName() == 'label')):
        fail('the row of “Choose this phone” does not say the bootloader is locked', phones)
    focus_and_press_space(page, choice, 'the locked phone’s check box')
    wait_for('the locked phone to be chosen', lambda: has_state(choice, pyatspi.STATE_CHECKED), 10, phones)
    remember_controls('detect (locked phone)', page)
    press(page, '_Continue', 'Continue with the locked phone')

    # how to start the recovery: the demo does it
    page = go_to_page(frame, None, 'Start the recovery')
    if not shows_text(page, 'Connect with MIAssistant'):
        fail('the page does not say to choose “Connect with MIAssistant”', page)
    remember_controls('recovery-connect', page)
    press(page, '_Do It for Me (Demo)', 'Do It for Me (Demo)')

    # the ROMs Xiaomi offers; the privacy line first
    page = go_to_page(frame, 2, 'Choose the firmware', timeout=30, nth=1)
    if not shows_text(page, 'are sent to Xiaomi'):
        fail('the page does not say what is sent to Xiaomi', page)
    downloads = wait_for('the ROMs Xiaomi offers (“Download and Use” buttons)',
                         lambda: find_all(page, lambda n: n.getRoleName() == 'push button'
                                          and (n.name or '').startswith('Download and Use')
                                          and sensitive(n)), 60, page)
    step(f'{len(downloads)} ROMs offered: {[d.name for d in downloads]}')
    if len({d.name for d in downloads}) != len(downloads):
        fail(f'the ROMs’ buttons cannot be told apart by name: {[d.name for d in downloads]}', page)
    remember_controls('recovery-firmware', page)
    invoke(downloads[-1], 'Download and Use on the newest ROM')
    step(f'pressed {downloads[-1].name!r}')
    wait_for('“Xiaomi approved this firmware for your phone”',
             lambda: shows_text(page, 'Xiaomi approved this firmware for your phone'), 120, page)
    remember_controls('recovery-firmware (approved)', page)
    press(page, '_Next', 'Next on the recovery firmware page')

    # Confirm: what happens, then Install
    page = go_to_page(frame, 3, 'Check and confirm', nth=1)
    if not shows_text(page, 'Your data is kept'):
        fail('the Confirm page does not say the data is kept', page)
    remember_controls('recovery-confirm', page)
    press(page, '_Install', 'Install')

    # Installing: a named progress bar
    page = go_to_page(frame, 4, 'Installing')
    bar = wait_for('the install progress bar', lambda: find(page, lambda n: n.getRoleName() == 'progress bar'),
                   10, page)
    if not bar.name or bar.name.startswith(TYPE_NAME_PREFIXES):
        fail(f'the install progress bar has no real accessible name ({bar.name!r})', page)
    step(f'progress bar {bar.name!r}')
    remember_controls('install', page)

    page = go_to_page(frame, 5, 'Result', timeout=180)
    wait_for('“Your Phone Is Restarting”', lambda: shows_text(page, 'Your Phone Is Restarting'), 10, page)
    step('result shown: “Your Phone Is Restarting”')
    remember_controls('result (recovery)', page)
    press(page, '_Done', 'Done after the recovery install')
    go_to_page(frame, 1, 'Connect your phone')


def main():
    global app_proc, app_log

    env = dict(os.environ)
    env.pop('GTK_A11Y', None)   # the app must talk to the accessibility bus
    env.setdefault('GSETTINGS_BACKEND', 'memory')
    env.setdefault('GDK_BACKEND', 'x11')
    env.setdefault('GSK_RENDERER', 'cairo')
    env.setdefault('UNBRICK_DEMO_RATE', '50000000')
    # a home of its own: the recovery ROM is downloaded into the Downloads folder, the
    # unpacked ROMs go to the cache; nothing is left in the runner's home
    home = tempfile.TemporaryDirectory(prefix='ub-a11y-home-')
    downloads = os.path.join(home.name, 'Downloads')
    os.makedirs(downloads)
    os.makedirs(os.path.join(home.name, '.config'))
    with open(os.path.join(home.name, '.config', 'user-dirs.dirs'), 'w') as f:
        f.write('XDG_DOWNLOAD_DIR="$HOME/Downloads"\n')
    env['HOME'] = home.name
    for var, sub in (('XDG_CONFIG_HOME', '.config'), ('XDG_CACHE_HOME', '.cache'),
                     ('XDG_DATA_HOME', '.local/share'), ('XDG_STATE_HOME', '.local/state')):
        env[var] = os.path.join(home.name, sub)
    if 'DBUS_SESSION_BUS_ADDRESS' not in env or 'DISPLAY' not in env:
        fail('run me under xvfb-run -a dbus-run-session -- (no DISPLAY or session bus)')

    app_log = tempfile.TemporaryFile()
    app_proc = subprocess.Popen([APP_PATH, '--demo'], env=env, stdout=app_log, stderr=subprocess.STDOUT)
    step(f'started {APP_PATH} --demo (pid {app_proc.pid})')

    def our_app():
        for candidate in pyatspi.Registry.getDesktop(0):
            if candidate is not None and candidate.get_process_id() == app_proc.pid:
                return candidate
        return None
    app = wait_for('the app on the AT-SPI desktop', our_app, 30)
    frame = wait_for('the main window',
                     lambda: find(app, lambda n: n.getRoleName() == 'frame' and n.name == 'Unbrick'), 10, app)
    step(f'found application {app.name!r} with window {frame.name!r}')

    # 1. Connect your phone: the demo phone is listed, Continue goes on
    page = go_to_page(frame, 1, 'Connect your phone')
    phones = wait_for('the list “Connected phones”',
                      lambda: find(page, lambda n: n.getRoleName() == 'list' and n.name == 'Connected phones'),
                      10, page)
    phone = wait_for('the demo phone in the list',
                     lambda: find(phones, lambda n: n.getRoleName() == 'list item' and '(alioth)' in (n.name or '')),
                     15, phones)
    step(f'phone listed: {phone.name!r}')
    remember_controls('the window at start', frame)
    remember_controls('detect', page)
    press(page, '_Continue', 'Continue on “Connect your phone”')

    # 2. Choose the firmware: the demo ROM opens, Continue becomes sensitive
    page = go_to_page(frame, 2, 'Choose the firmware')
    press(page, 'Use the _Demo Firmware', 'Use the Demo Firmware')
    wait_for('the demo firmware to be opened (“Selected Firmware” shown)',
             lambda: shows_text(page, 'Selected Firmware'), 60, page)
    remember_controls('firmware', page)
    press(page, '_Continue', 'Continue on “Choose the firmware”', timeout=60)

    # 3. Check and confirm: the Flash button waits for the checks
    page = go_to_page(frame, 3, 'Check and confirm')
    flash = wait_for('the Flash button', lambda: control(page, 'push button', '_Flash'), 10, page)
    wait_for('the first checks to finish (Flash sensitive)', lambda: sensitive(flash), 60, page)
    row_check = find(page, lambda n: n.getRoleName() in ('radio button', 'check box')
                     and names_label(n.name or '', '_Erase everything'))
    keep = find(page, lambda n: n.getRoleName() in ('radio button', 'check box')
                and names_label(n.name or '', '_Keep my data'))
    if row_check is None or keep is None:
        fail('no radio/check button named “Erase everything” or “Keep my data”', page)
    if row_check.getRoleName() != 'radio button':
        fail(f'the mode choices are exposed as {row_check.getRoleName()!r}, not as radio buttons', page)
    if not has_state(keep, pyatspi.STATE_CHECKED) or has_state(row_check, pyatspi.STATE_CHECKED):
        fail('the default mode should be “Keep my data”', page)

    # choosing a mode runs the checks again: watch what the app announces meanwhile
    pyatspi.Registry.registerEventListener(on_event, 'object:state-changed:sensitive', 'object:children-changed')
    pump(0.2)
    events.clear()
    # GTK 4.8 gives check buttons no AT-SPI action, so choose the way a keyboard user does:
    # the row's mnemonic (Alt+E), typed through the registry (XTest)
    press_mnemonic('e')
    step(f'typed Alt+E to choose {row_check.getRoleName()} {row_check.name!r}')
    wait_for('“Erase everything” to be checked', lambda: has_state(row_check, pyatspi.STATE_CHECKED), 10, page)
    if has_state(keep, pyatspi.STATE_CHECKED):
        fail('“Keep my data” is still checked after choosing “Erase everything”', page)
    wait_for('the checks to finish again (Flash sensitive)', lambda: sensitive(flash), 60, page)
    pump(0.3)
    pyatspi.Registry.deregisterEventListener(on_event, 'object:state-changed:sensitive', 'object:children-changed')
    flash_events = [(i, e[3]) for i, e in enumerate(events)
                    if e[0] == 'push button' and names_label(e[1], '_Flash') and e[2].endswith(':sensitive')]
    if not flash_events or flash_events[0][1] != 0 or flash_events[-1][1] != 1:
        fail(f'expected the Flash button to turn insensitive while the checks ran, then sensitive; '
             f'its sensitivity events were {flash_events}; all events: {events}')
    step(f'Flash went insensitive while the checks ran, sensitive after ({len(events)} events)')
    checks = find(page, lambda n: n.getRoleName() == 'list' and n.name == 'Safety checks')
    if checks is None or checks.childCount == 0:
        fail('the list “Safety checks” is missing or empty', page)
    step(f'{checks.childCount} safety checks listed, e.g. {checks[0].name!r}')
    wait_for('“Everything on the phone will be erased”',
             lambda: shows_text(page, 'Everything on the phone will be erased'), 10, page)
    remember_controls('confirm', page)
    press(page, '_Flash', 'Flash', timeout=10)

    # the confirmation dialog, a separate window of the app
    def dialog():
        return find(app, lambda n: n.getRoleName() in ('dialog', 'alert', 'frame') and n.name != 'Unbrick'
                    and control(n, 'push button', '_Erase and Flash') is not None)
    box = wait_for('the confirmation dialog with “Erase and Flash”', dialog, 10, app)
    if not shows_text(box, 'Everything on it will be erased'):
        fail('the dialog does not say that everything will be erased', box)
    if control(box, 'push button', '_Cancel') is None:
        fail('the dialog has no Cancel button', box)
    step(f'dialog {box.getRoleName()} {box.name!r}')
    remember_controls('dialog', box)
    press(box, '_Erase and Flash', 'Erase and Flash in the dialog')

    # 4. Flashing: a named progress bar
    page = go_to_page(frame, 4, 'Flashing')
    remember_controls('flash', page)
    bar = wait_for('the flashing progress bar', lambda: find(page, lambda n: n.getRoleName() == 'progress bar'),
                   10, page)
    if not bar.name or bar.name.startswith(TYPE_NAME_PREFIXES):
        fail(f'the flashing progress bar has no real accessible name ({bar.name!r})', page)
    try:
        value = bar.queryValue()
        step(f'progress bar {bar.name!r}: {value.currentValue:.2f} of {value.maximumValue:.0f}')
    except (NotImplementedError, GLib.GError):
        step(f'progress bar {bar.name!r}')

    # 5. the result, announced as text
    page = go_to_page(frame, 5, 'Result', timeout=180)
    wait_for('“Your Phone Is Restarting”', lambda: shows_text(page, 'Your Phone Is Restarting'), 10, page)
    step('result shown: “Your Phone Is Restarting”')
    remember_controls('result', page)
    # a button's mnemonic works in its child-label form (ub-mnemonic.h): Alt+D is Done
    wait_for('a sensitive push button named “Done”',
             lambda: (lambda n: n is not None and sensitive(n))(control(page, 'push button', '_Done')), 10, page)
    press_mnemonic('d')
    step('typed Alt+D for Done')
    recovery_flow(app, frame)
    zips = [n for n in os.listdir(downloads) if n.endswith('.zip')]
    if len(zips) != 1:
        fail(f'expected the recovery ROM in the Downloads folder, found {os.listdir(downloads)}')
    step(f'downloaded into the Downloads folder: {zips[0]}')

    # what an AT user needs from every control met on the way
    if name_issues:
        fail('controls without an accessible name:\n  ' + '\n  '.join(sorted(set(name_issues))))
    if text_issues:
        fail('buttons not named as they read:\n  ' + '\n  '.join(sorted(set(text_issues))))
    buttons = sorted({name for (_, role, name) in controls_seen if role in ('push button', 'toggle button')})
    others = sorted({f'{role} {name!r}' for (_, role, name) in controls_seen
                     if role not in ('push button', 'toggle button')})
    step(f'{len(controls_seen)} controls met, all named, every button as it reads; buttons: {buttons}; '
         f'others: {others}')

    # closing the window (its own action) ends the app cleanly
    frame_action = frame.queryAction()
    names = [frame_action.getName(i) for i in range(frame_action.nActions)]
    if 'window.close' not in names:
        fail(f'the window offers no window.close action ({names})')
    frame_action.doAction(names.index('window.close'))
    try:
        rc = app_proc.wait(30)
    except subprocess.TimeoutExpired:
        fail('the app did not quit within 30 s of closing its window')
    if rc != 0:
        fail(f'the app exited with status {rc}')
    step('window closed, app exited with status 0')
    print(f'OK: pages {pages_seen}')


if __name__ == '__main__':
    main()
