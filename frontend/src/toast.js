// Toasts: one short line after an action ("Got 1000 test DOT"), then gone. A form says
// what to announce with data-toast="Got {amount} test {asset}" ({name} = the value the
// user entered in that field); a toast due just before a reload or a redirect is kept
// in sessionStorage and shown on the next page.
const STORAGE_KEY = 'polkamesh.toast';
const SHOW_MS = 5000;

export function toast(text, kind = 'ok') {
  const box = document.getElementById('pm-toasts');
  if (!box || !text) return;
  const item = document.createElement('p');
  item.className = 'pm-toast';
  item.dataset.kind = kind;
  item.textContent = text;
  box.append(item);
  setTimeout(() => item.remove(), SHOW_MS);
}

/** "Got {amount} test {asset}" with the form's field values as the user typed them. */
function fillFromForm(template, form) {
  return template.replace(/\{([\w.]+)\}/g, (_, name) => {
    const field = form.elements.namedItem(name);
    if (!field || !('value' in field)) return '';
    const option = field.selectedOptions?.[0];
    const text = (option ? option.textContent : field.value).trim();
    if (!/^\d+(\.\d+)?$/.test(text)) return text;
    // 1000 → 1,000: whole units grouped the way people read amounts
    const [whole, fraction] = text.split('.');
    return whole.replace(/\B(?=(\d{3})+$)/g, ',') + (fraction ? `.${fraction}` : '');
  });
}

function onAction(event) {
  const form = event.target;
  const template = form?.dataset?.toast;
  if (!template) return;
  const text = fillFromForm(template, form);
  const leaving = /\b(reload|redirect)\b/.test(form.dataset.then || '');
  if (!leaving) return toast(text);
  try {
    window.sessionStorage.setItem(STORAGE_KEY, text);
  } catch {
    // storage disabled: the page that comes next simply shows no toast
  }
}

function showKept() {
  try {
    const text = window.sessionStorage.getItem(STORAGE_KEY);
    window.sessionStorage.removeItem(STORAGE_KEY);
    if (text) toast(text);
  } catch {
    // storage disabled
  }
}

/** <button data-pm-copy="TEXT">: copies TEXT and says so. */
async function onClick(event) {
  const button = event.target.closest?.('[data-pm-copy]');
  if (!button) return;
  event.preventDefault();
  try {
    await navigator.clipboard.writeText(button.dataset.pmCopy);
    toast('Address copied');
  } catch {
    toast('Your browser did not let the page copy: select the address and copy it', 'error');
  }
}

export function initToasts() {
  document.addEventListener('pm:action', onAction);
  document.addEventListener('click', onClick);
  showKept();
}
