import { createRouter, createWebHistory } from 'vue-router';
import { useSessionStore } from './stores/session.js';
import { restoreSession } from './api.js';

// Views are split per module (web/src/views/<module>/) and loaded on demand.

// An events screen is shown once its texts in the language shown are here (they travel with
// the events chunk, not in the main bundle: src/views/events/events-texts.js).
const eventsScreen = (load) => () =>
  Promise.all([load(), import('./views/events/events-texts.js').then((texts) => texts.textsReady)]).then(([view]) => view);
// The admin screens (issue #15) likewise wait for their texts (src/views/admin/admin-texts.js).
const adminScreen = (load) => () =>
  Promise.all([load(), import('./views/admin/admin-texts.js').then((texts) => texts.textsReady)]).then(([view]) => view);
// The classes screens (issue #15) likewise (src/views/classes/classes-texts.js).
const classesScreen = (load) => () =>
  Promise.all([load(), import('./views/classes/classes-texts.js').then((texts) => texts.textsReady)]).then(([view]) => view);
// The privacy notice likewise (src/views/privacy/privacy-texts.js).
const privacyScreen = (load) => () =>
  Promise.all([load(), import('./views/privacy/privacy-texts.js').then((texts) => texts.textsReady)]).then(([view]) => view);
const routes = [
  {
    path: '/',
    name: 'home',
    component: () => import('./views/home/HomeView.vue'),
    meta: { requiresAuth: true, title: 'home.title' },
  },
  {
    path: '/signin',
    name: 'signin',
    component: () => import('./views/auth/SignInView.vue'),
    meta: { guestOnly: true, title: 'signin.title' },
  },
  {
    path: '/register',
    name: 'register',
    component: () => import('./views/auth/RegisterView.vue'),
    meta: { guestOnly: true, title: 'register.title' },
  },
  {
    path: '/children',
    name: 'children',
    component: () => import('./views/children/ChildrenListView.vue'),
    meta: { requiresAuth: true, title: 'children.title' },
  },
  {
    path: '/children/new',
    name: 'child-new',
    component: () => import('./views/children/ChildEditView.vue'),
    meta: { requiresAuth: true, title: 'children.addTitle' },
  },
  {
    path: '/children/:id',
    name: 'child',
    component: () => import('./views/children/ChildEditView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'children.editTitle' },
  },
  {
    path: '/sel',
    name: 'sel',
    component: () => import('./views/sel/DirectoryView.vue'),
    meta: { requiresAuth: true, title: 'sel.title' },
  },
  {
    path: '/sel/mine',
    name: 'sel-mine',
    component: () => import('./views/sel/MyServicesView.vue'),
    meta: { requiresAuth: true, title: 'sel.myServices' },
  },
  {
    path: '/sel/services/new',
    name: 'sel-service-new',
    component: () => import('./views/sel/ServiceEditView.vue'),
    meta: { requiresAuth: true, title: 'sel.newServiceTitle' },
  },
  {
    path: '/sel/services/:id',
    name: 'sel-service',
    component: () => import('./views/sel/ServiceDetailView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'sel.serviceTitle' },
  },
  {
    path: '/sel/services/:id/edit',
    name: 'sel-service-edit',
    component: () => import('./views/sel/ServiceEditView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'sel.editServiceTitle' },
  },
  {
    path: '/sel/pay',
    name: 'sel-pay',
    component: () => import('./views/sel/TransferView.vue'),
    props: { mode: 'pay' },
    meta: { requiresAuth: true, title: 'sel.payTitle' },
  },
  {
    path: '/sel/request',
    name: 'sel-request',
    component: () => import('./views/sel/TransferView.vue'),
    props: { mode: 'request' },
    meta: { requiresAuth: true, title: 'sel.requestTitle' },
  },
  {
    path: '/sel/requests',
    name: 'sel-requests',
    component: () => import('./views/sel/RequestsView.vue'),
    meta: { requiresAuth: true, title: 'sel.requestsTitle' },
  },
  {
    path: '/sel/history',
    name: 'sel-history',
    component: () => import('./views/sel/HistoryView.vue'),
    meta: { requiresAuth: true, title: 'sel.historyTitle' },
  },
  {
    path: '/announcements',
    name: 'announcements',
    component: () => import('./views/announcements/AnnouncementsView.vue'),
    meta: { requiresAuth: true, title: 'announcements.title' },
  },
  {
    // An e-mail's "I agree" link opens this page; only its button acknowledges (a POST).
    path: '/announcements/:id',
    name: 'announcement',
    component: () => import('./views/announcements/AnnouncementView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'announcements.title' },
  },
  {
    path: '/profile',
    name: 'profile',
    component: () => import('./views/profile/ProfileView.vue'),
    meta: { requiresAuth: true, title: 'profile.title' },
  },
  {
    path: '/messages',
    name: 'messages',
    component: () => import('./views/messages/ConversationsView.vue'),
    meta: { requiresAuth: true, title: 'messages.title' },
  },
  {
    path: '/messages/new',
    name: 'messages-new',
    component: () => import('./views/messages/NewConversationView.vue'),
    meta: { requiresAuth: true, title: 'messages.newConversation' },
  },
  {
    path: '/messages/:id',
    name: 'conversation',
    component: () => import('./views/messages/ConversationView.vue'),
    props: true,
    meta: { requiresAuth: true, title: 'messages.conversation' },
  },
  {
    // Public: read before registering (and from the profile and the footer after).
    path: '/privacy',
    name: 'privacy',
    component: privacyScreen(() => import('./views/privacy/PrivacyView.vue')),
    meta: { title: 'privacy.title' },
  },
  {
    // Reached from the verification e-mail, signed in or not.
    path: '/verify-email',
    name: 'verify-email',
    component: () => import('./views/verify/VerifyEmailView.vue'),
    meta: { title: 'verify.title' },
  },
  {
    // "Forgot password?" from the sign-in page; public, signed in or not.
    path: '/forgot-password',
    name: 'forgot-password',
    component: () => import('./views/auth/ForgotPasswordView.vue'),
    meta: { title: 'reset.forgotTitle' },
  },
  {
    // Reached from the "forgotten password" e-mail, signed in or not.
    path: '/reset-password',
    name: 'reset-password',
    component: () => import('./views/auth/ResetPasswordView.vue'),
    meta: { title: 'reset.title' },
  },
  {
    path: '/settings/notifications',
    name: 'notification-settings',
    component: () => import('./views/notifications/NotificationSettingsView.vue'),
    meta: { requiresAuth: true, title: 'notifications.settingsTitle' },
  },
  {
    // Reached from a notification e-mail's unsubscribe link, signed in or not.
    path: '/unsubscribe',
    name: 'unsubscribe',
    component: () => import('./views/notifications/UnsubscribeView.vue'),
    meta: { title: 'notifications.unsubscribeTitle' },
  },
  // ---- events (issue #14): one on-demand chunk, "events" (web/vite.config.js) ----
  {
    path: '/events',
    name: 'events',
    component: eventsScreen(() => import('./views/events/AgendaView.vue')),
    meta: { requiresAuth: true, title: 'events.title' },
  },
  {
    path: '/events/mine',
    name: 'events-mine',
    component: eventsScreen(() => import('./views/events/MyEventsView.vue')),
    meta: { requiresAuth: true, title: 'events.mine.title' },
  },
  {
    path: '/events/calendar',
    name: 'events-calendar',
    component: eventsScreen(() => import('./views/events/CalendarFeedView.vue')),
    meta: { requiresAuth: true, title: 'events.feed.title' },
  },
  {
    path: '/events/new',
    name: 'event-new',
    component: eventsScreen(() => import('./views/events/EventEditView.vue')),
    meta: { requiresAuth: true, title: 'events.edit.newTitle' },
  },
  {
    path: '/events/:id',
    name: 'event',
    component: eventsScreen(() => import('./views/events/EventView.vue')),
    props: true,
    meta: { requiresAuth: true, title: 'events.detail.title' },
  },
  {
    path: '/events/:id/edit',
    name: 'event-edit',
    component: eventsScreen(() => import('./views/events/EventEditView.vue')),
    props: true,
    meta: { requiresAuth: true, title: 'events.edit.editTitle' },
  },
  // ---- admin (issue #15): one on-demand chunk, "admin" (web/vite.config.js); admins only ----
  {
    path: '/admin',
    name: 'admin-members',
    component: adminScreen(() => import('./views/admin/MembersView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  {
    path: '/admin/members/:id',
    name: 'admin-member',
    component: adminScreen(() => import('./views/admin/MemberView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  {
    path: '/admin/audit',
    name: 'admin-audit',
    component: adminScreen(() => import('./views/admin/AuditView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  {
    path: '/admin/analytics',
    name: 'admin-analytics',
    component: adminScreen(() => import('./views/admin/AnalyticsView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  {
    path: '/admin/modules',
    name: 'admin-modules',
    component: adminScreen(() => import('./views/admin/ModulesView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  // ---- classes (issue #15): staff and photo consent; teachers and admins ----
  {
    path: '/classes',
    name: 'classes',
    component: classesScreen(() => import('./views/classes/ClassesView.vue')),
    meta: { requiresAuth: true, requiresStaff: true, title: 'nav.classes' },
  },
  {
    path: '/classes/:name',
    name: 'class',
    component: classesScreen(() => import('./views/classes/ClassView.vue')),
    props: true,
    meta: { requiresAuth: true, requiresStaff: true, title: 'nav.classes' },
  },
  {
    path: '/admin/school-year',
    name: 'admin-school-year',
    component: adminScreen(() => import('./views/admin/SchoolYearView.vue')),
    meta: { requiresAuth: true, requiresAdmin: true, title: 'nav.admin' },
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('./views/NotFoundView.vue'),
    meta: { title: 'notFound.title' },
  },
];

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || { top: 0 };
  },
});

router.beforeEach(async (to) => {
  // The first page of a load waits until the session is restored from the cookie.
  await restoreSession();
  const session = useSessionStore();
  if (to.meta.requiresAuth && !session.signedIn) {
    return { name: 'signin', query: to.fullPath !== '/' ? { redirect: to.fullPath } : {} };
  }
  // The server refuses a non-admin anyway (403): this only spares them a screen of errors.
  if (to.meta.requiresAdmin && session.user && session.user.role !== 'admin') {
    return { name: 'home' };
  }
  if (to.meta.requiresStaff && session.user && !['admin', 'teacher'].includes(session.user.role)) {
    return { name: 'home' };
  }
  if (to.meta.guestOnly && session.signedIn) {
    return { name: 'home' };
  }
  return true;
});

// While a parent types on the sign-in or registration page, the home screen's chunk is
// fetched and run, so that after "Se connecter" the app waits for the server only
// (web/e2e/compress.e2e.mjs times it; docs/PERFORMANCE.md).
let homePrefetched = false;
router.afterEach((to) => {
  if (!to.meta.guestOnly || homePrefetched) return;
  homePrefetched = true;
  const prefetch = () => import('./views/home/HomeView.vue').catch(() => {
    homePrefetched = false; // offline or a new build: the navigation will load it
  });
  if ('requestIdleCallback' in window) window.requestIdleCallback(prefetch, { timeout: 2000 });
  else setTimeout(prefetch, 200);
});

/** Only same-app paths are accepted as a post-sign-in destination. */
export function safeRedirect(value) {
  if (typeof value === 'string' && value.startsWith('/') && !value.startsWith('//')) return value;
  return '/';
}
