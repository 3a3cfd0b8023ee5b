import { Page } from '../components/page.js';

export default function NotFound() {
  return (
    <Page title="Page not found">
      <p>There is no page at this address.</p>
      <p>
        <a href="/">Find events</a>
      </p>
    </Page>
  );
}
