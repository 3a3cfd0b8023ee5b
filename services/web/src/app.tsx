import { Component, type AnyComponent, type ComponentChildren } from 'preact';
import { LocationProvider, Route, Router, useLocation, useRoute } from 'preact-iso';
import { Page } from './components/page.js';
import { Notice } from './components/notice.js';
import { notFound, routes, type Access, type PageRoute } from './routes.js';
import { useSession, type Session } from './session.js';

function allowed(access: Access, session: Session | undefined): boolean {
  if (access === 'anyone') return true;
  if (access === 'signed-out') return true; // those pages say so themselves when signed in
  if (!session) return false;
  return access === 'signed-in' || access.includes(session.account.role);
}

/** Wraps a page so that who may open it is checked before it loads. */
function guarded(route: PageRoute): AnyComponent {
  const Guarded = () => {
    const session = useSession();
    const { url } = useLocation();
    const { params } = useRoute();
    if (allowed(route.access, session)) {
      const Component = route.page as AnyComponent<Record<string, string>>;
      return <Component {...params} />;
    }
    if (!session) {
      return (
        <Page title="Please log in">
          <p>You need to be logged in to see this page.</p>
          <p>
            <a class="button" href={`/login?next=${encodeURIComponent(url)}`}>
              Log in
            </a>{' '}
            or <a href="/register">create an account</a>.
          </p>
        </Page>
      );
    }
    return (
      <Page title="Not allowed">
        <Notice kind="error">This page is not available to your account.</Notice>
        <p>
          <a href="/">Back to the events</a>
        </p>
      </Page>
    );
  };
  return Guarded;
}

const guardedRoutes = routes.map((route) => ({ route, component: guarded(route) }));

function Header() {
  const session = useSession();
  const links = routes.filter((r) => r.nav && r.access !== 'signed-out' && allowed(r.access, session));
  return (
    <header class="site-header">
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <a class="brand" href="/">
        Ticketing
      </a>
      <nav aria-label="Main">
        <ul>
          {links.map((r) => (
            <li key={r.path}>
              <a href={r.path}>{r.nav}</a>
            </li>
          ))}
          {session ? (
            <li>
              <a href="/profile">{session.account.displayName}</a>
            </li>
          ) : (
            <>
              <li>
                <a href="/login">Log in</a>
              </li>
              <li>
                <a href="/register">Register</a>
              </li>
            </>
          )}
        </ul>
      </nav>
    </header>
  );
}

/** A page that throws shows a message instead of a blank screen. */
class Boundary extends Component<{ children: ComponentChildren }, { failed: boolean }> {
  override state = { failed: false };
  override componentDidCatch() {
    this.setState({ failed: true });
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <Page title="Something went wrong">
        <Notice kind="error">This page failed to load. Please reload it; if it keeps failing, try again later.</Notice>
      </Page>
    );
  }
}

export function App() {
  return (
    <LocationProvider>
      <Header />
      <main id="main">
        <Boundary>
          <Router>
            {[
              ...guardedRoutes.map(({ route, component }) => <Route key={route.path} path={route.path} component={component} />),
              <Route key="*" default component={notFound as AnyComponent} />,
            ]}
          </Router>
        </Boundary>
      </main>
    </LocationProvider>
  );
}
