// <form data-pm-upload action="/api/artifacts">: a file chosen or dropped on its
// [data-pm-dropzone] is hashed here, `upload_artifact` {name, media_type, sha256, size,
// visibility} is signed with the wallet (so the signature covers the content), and the
// envelope goes with the file as one multipart POST (API.md "Artifacts").
import { u8aToHex } from '@polkadot/util';
import { sha256AsU8a } from '@polkadot/util-crypto';
import { clearErrors, followUp, showErrors } from './forms.js';
import { postForm } from './http.js';
import { sign } from './signing.js';

function mediaType(file) {
  return /\.json$/i.test(file.name) || file.type === 'application/json' ? 'application/json' : 'application/onnx';
}

function chosen(form, file) {
  const name = form.elements.namedItem('name');
  if (name && !name.value) name.value = file.name;
}

async function upload(form) {
  const input = form.querySelector('input[type=file]');
  const file = input?.files?.[0];
  if (!file) {
    showErrors(form, { fields: { content: 'Choose or drop a file first.' }, message: 'Nothing to upload yet.' });
    return;
  }
  const bytes = new Uint8Array(await file.arrayBuffer());
  const params = {
    name: form.elements.namedItem('name')?.value || file.name,
    media_type: mediaType(file),
    sha256: u8aToHex(sha256AsU8a(bytes, true), -1, false),
    size: bytes.length,
    visibility: form.elements.namedItem('visibility')?.value || 'private',
  };
  const { payload, signature } = await sign('upload_artifact', params);
  const body = new FormData();
  body.append('payload', payload);
  body.append('signature', signature);
  body.append('content', file, file.name);
  const result = await postForm(form.getAttribute('action'), body);
  followUp(form, result);
  document.body.dispatchEvent(new CustomEvent('pm:refresh'));
}

export function initUploads() {
  document.addEventListener('submit', async (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute('data-pm-upload')) return;
    event.preventDefault();
    if (form.getAttribute('aria-busy') === 'true') return;
    const button = form.querySelector('button');
    clearErrors(form);
    form.setAttribute('aria-busy', 'true');
    if (button) button.disabled = true;
    try {
      await upload(form);
    } catch (err) {
      showErrors(form, err);
    } finally {
      form.removeAttribute('aria-busy');
      if (button) button.disabled = false;
    }
  });
  document.addEventListener('change', (event) => {
    const input = event.target;
    const form = input instanceof HTMLInputElement && input.type === 'file' ? input.closest('form[data-pm-upload]') : null;
    if (form && input.files?.[0]) chosen(form, input.files[0]);
  });
  for (const type of ['dragenter', 'dragover']) {
    document.addEventListener(type, (event) => {
      const zone = event.target instanceof Element && event.target.closest('[data-pm-dropzone]');
      if (!zone) return;
      event.preventDefault();
      zone.dataset.pmDragging = '';
    });
  }
  document.addEventListener('dragleave', (event) => {
    const zone = event.target instanceof Element && event.target.closest('[data-pm-dropzone]');
    if (zone && !zone.contains(event.relatedTarget)) delete zone.dataset.pmDragging;
  });
  document.addEventListener('drop', (event) => {
    const zone = event.target instanceof Element && event.target.closest('[data-pm-dropzone]');
    if (!zone) return;
    event.preventDefault();
    delete zone.dataset.pmDragging;
    const files = event.dataTransfer?.files;
    const input = zone.querySelector('input[type=file]');
    if (!files?.length || !input) return;
    input.files = files;
    chosen(zone.closest('form'), files[0]);
  });
}
