// Fifty models mixing the features of the other schemas (also used by the
// benchmark in bench/): default and custom identifiers (single and
// composite), secondary indexes, hasMany/belongsTo/hasOne with single and
// composite references and self-relations, many-to-many join models, named
// and inline enums and custom types, defaults, arrays, owner/group/dynamic
// group/multi-owner/public/guest/custom rules with .to([...]), field-level
// rules, disableOperations, a global rule, and a few custom operations.
// Default mode user pool; API key, Lambda and IAM enabled.
import { type ClientSchema, a, defineData, defineFunction } from '@aws-amplify/backend';

const searchHandler = defineFunction({ name: 'search-handler' });
const deviceAuthorizer = defineFunction({ name: 'device-authorizer' });

const schema = a
  .schema({
    Plan: a.enum(['FREE', 'TEAM', 'ENTERPRISE']),
    Role: a.enum(['OWNER', 'ADMIN', 'MEMBER', 'VIEWER']),
    IssueState: a.enum(['OPEN', 'IN_PROGRESS', 'DONE', 'WONT_FIX']),
    ProductStatus: a.enum(['DRAFT', 'ACTIVE', 'RETIRED']),
    OrderStatus: a.enum(['PLACED', 'PAID', 'SHIPPED', 'DELIVERED', 'CANCELLED', 'REFUNDED']),
    Channel: a.enum(['EMAIL', 'SMS', 'PUSH', 'SOCIAL']),

    Money: a.customType({
      amount: a.float().required(),
      currency: a.string().required(),
    }),
    GeoPoint: a.customType({
      lat: a.float().required(),
      lng: a.float().required(),
    }),
    PostalAddress: a.customType({
      line1: a.string().required(),
      line2: a.string(),
      city: a.string().required(),
      postalCode: a.string(),
      country: a.string().required(),
      point: a.ref('GeoPoint'),
    }),
    CartLine: a.customType({
      productSku: a.string().required(),
      quantity: a.integer().required(),
    }),
    SurveyQuestion: a.customType({
      prompt: a.string().required(),
      kind: a.enum(['TEXT', 'CHOICE', 'SCALE']),
      options: a.string().array(),
    }),
    SearchHit: a.customType({
      model: a.string().required(),
      id: a.id().required(),
      score: a.float(),
    }),

    Organization: a
      .model({
        name: a.string().required(),
        slug: a.string().required(),
        plan: a.ref('Plan'),
        createdBy: a.string(),
        teams: a.hasMany('Team', 'organizationId'),
        projects: a.hasMany('Project', 'organizationId'),
        billing: a.hasOne('BillingAccount', 'organizationId'),
      })
      .secondaryIndexes((index) => [index('slug')])
      .authorization((allow) => [allow.owner(), allow.groups(['Admin']), allow.authenticated().to(['read'])]),

    BillingAccount: a
      .model({
        organizationId: a.id(),
        organization: a.belongsTo('Organization', 'organizationId'),
        address: a.ref('PostalAddress'),
        currency: a.string().default('USD'),
        invoices: a.hasMany('Invoice', 'billingAccountId'),
      })
      .authorization((allow) => [allow.groups(['Admin', 'Billing'])]),

    Invoice: a
      .model({
        billingAccountId: a.id().required(),
        billingAccount: a.belongsTo('BillingAccount', 'billingAccountId'),
        number: a.string().required(),
        issuedOn: a.date().required(),
        amount: a.ref('Money'),
        status: a.enum(['DRAFT', 'OPEN', 'PAID', 'VOID']),
        lines: a.hasMany('InvoiceLine', 'invoiceId'),
      })
      .secondaryIndexes((index) => [index('billingAccountId').sortKeys(['issuedOn']).queryField('invoicesByAccount')])
      .authorization((allow) => [allow.groups(['Admin', 'Billing'])]),

    InvoiceLine: a
      .model({
        invoiceId: a.id().required(),
        invoice: a.belongsTo('Invoice', 'invoiceId'),
        description: a.string(),
        quantity: a.integer().default(1),
        unitPrice: a.float(),
      })
      .authorization((allow) => [allow.groups(['Admin', 'Billing'])]),

    Team: a
      .model({
        organizationId: a.id().required(),
        organization: a.belongsTo('Organization', 'organizationId'),
        name: a.string().required(),
        memberships: a.hasMany('Membership', 'teamId'),
      })
      .secondaryIndexes((index) => [index('organizationId').sortKeys(['name'])]),

    UserAccount: a
      .model({
        userId: a.id().required(),
        email: a.email().required(),
        displayName: a.string(),
        avatarUrl: a.url(),
        timezone: a.string().default('UTC'),
        memberships: a.hasMany('Membership', 'userId'),
        profile: a.hasOne('UserProfile', 'userId'),
        owner: a.string(),
      })
      .identifier(['userId'])
      .secondaryIndexes((index) => [index('email').queryField('userByEmail')])
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    UserProfile: a
      .model({
        userId: a.id(),
        user: a.belongsTo('UserAccount', 'userId'),
        bio: a.string(),
        links: a.url().array(),
        birthday: a.date(),
        phone: a.phone().authorization((allow) => [allow.owner()]),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Membership: a
      .model({
        teamId: a.id().required(),
        userId: a.id().required(),
        team: a.belongsTo('Team', 'teamId'),
        user: a.belongsTo('UserAccount', 'userId'),
        role: a.ref('Role').required(),
      })
      .secondaryIndexes((index) => [index('userId'), index('teamId').sortKeys(['role'])]),

    Project: a
      .model({
        organizationId: a.id().required(),
        organization: a.belongsTo('Organization', 'organizationId'),
        key: a.string().required(),
        name: a.string().required(),
        description: a.string(),
        archived: a.boolean().default(false),
        issues: a.hasMany('Issue', 'projectId'),
        milestones: a.hasMany('Milestone', 'projectId'),
        labels: a.hasMany('Label', 'projectId'),
        editors: a.string().array(),
      })
      .secondaryIndexes((index) => [index('organizationId').sortKeys(['key']).name('byOrgKey')])
      .authorization((allow) => [allow.owner(), allow.ownersDefinedIn('editors').to(['read', 'update']), allow.authenticated().to(['read'])]),

    Milestone: a
      .model({
        projectId: a.id().required(),
        project: a.belongsTo('Project', 'projectId'),
        title: a.string().required(),
        dueOn: a.date(),
        issues: a.hasMany('Issue', 'milestoneId'),
      }),

    Issue: a
      .model({
        projectId: a.id().required(),
        project: a.belongsTo('Project', 'projectId'),
        milestoneId: a.id(),
        milestone: a.belongsTo('Milestone', 'milestoneId'),
        number: a.integer().required(),
        title: a.string().required(),
        body: a.string(),
        state: a.ref('IssueState').required(),
        priority: a.enum(['P0', 'P1', 'P2', 'P3']),
        assignee: a.string(),
        estimate: a.float(),
        comments: a.hasMany('IssueComment', 'issueId'),
        labels: a.hasMany('IssueLabel', 'issueId'),
        attachments: a.hasMany('Attachment', 'issueId'),
      })
      .secondaryIndexes((index) => [index('projectId').sortKeys(['number']).queryField('issuesByProject'), index('state').sortKeys(['priority']), index('assignee')]),

    IssueComment: a
      .model({
        issueId: a.id().required(),
        issue: a.belongsTo('Issue', 'issueId'),
        body: a.string().required(),
        editedAt: a.datetime(),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Label: a
      .model({
        projectId: a.id().required(),
        project: a.belongsTo('Project', 'projectId'),
        name: a.string().required(),
        color: a.string().default('#cccccc'),
        issues: a.hasMany('IssueLabel', 'labelId'),
      }),

    IssueLabel: a
      .model({
        issueId: a.id().required(),
        labelId: a.id().required(),
        issue: a.belongsTo('Issue', 'issueId'),
        label: a.belongsTo('Label', 'labelId'),
      }),

    Attachment: a
      .model({
        issueId: a.id().required(),
        issue: a.belongsTo('Issue', 'issueId'),
        path: a.string().required(),
        contentType: a.string(),
        size: a.integer(),
        uploadedAt: a.timestamp(),
      })
      .authorization((allow) => [allow.owner(), allow.authenticated().to(['read'])]),

    Product: a
      .model({
        sku: a.string().required(),
        name: a.string().required(),
        description: a.string(),
        price: a.ref('Money').required(),
        categoryId: a.id(),
        category: a.belongsTo('Category', 'categoryId'),
        variants: a.hasMany('ProductVariant', 'productSku'),
        reviews: a.hasMany('Review', 'productSku'),
        tags: a.string().array(),
        status: a.ref('ProductStatus'),
      })
      .identifier(['sku'])
      .secondaryIndexes((index) => [index('categoryId').sortKeys(['name']), index('status')])
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Catalog'])]),

    ProductVariant: a
      .model({
        productSku: a.string().required(),
        variantCode: a.string().required(),
        product: a.belongsTo('Product', 'productSku'),
        color: a.string(),
        size: a.string(),
        stock: a.integer().default(0),
        inventory: a.hasMany('InventoryItem', ['productSku', 'variantCode']),
      })
      .identifier(['productSku', 'variantCode'])
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Catalog'])]),

    Category: a
      .model({
        name: a.string().required(),
        parentId: a.id(),
        parent: a.belongsTo('Category', 'parentId'),
        children: a.hasMany('Category', 'parentId'),
        products: a.hasMany('Product', 'categoryId'),
      })
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Catalog'])]),

    Review: a
      .model({
        productSku: a.string().required(),
        product: a.belongsTo('Product', 'productSku'),
        rating: a.integer().required(),
        title: a.string(),
        body: a.string(),
        verified: a.boolean(),
      })
      .secondaryIndexes((index) => [index('productSku').sortKeys(['rating'])])
      .authorization((allow) => [allow.owner(), allow.publicApiKey().to(['read'])]),

    Warehouse: a
      .model({
        code: a.string().required(),
        name: a.string(),
        location: a.ref('GeoPoint'),
        address: a.ref('PostalAddress'),
        inventory: a.hasMany('InventoryItem', 'warehouseCode'),
      })
      .identifier(['code'])
      .authorization((allow) => [allow.groups(['Ops'])]),

    InventoryItem: a
      .model({
        warehouseCode: a.string().required(),
        productSku: a.string().required(),
        variantCode: a.string().required(),
        warehouse: a.belongsTo('Warehouse', 'warehouseCode'),
        variant: a.belongsTo('ProductVariant', ['productSku', 'variantCode']),
        quantity: a.integer().required(),
        reorderAt: a.integer(),
      })
      .identifier(['warehouseCode', 'productSku', 'variantCode'])
      .secondaryIndexes((index) => [index('productSku').sortKeys(['quantity'])])
      .authorization((allow) => [allow.groups(['Ops'])]),

    Customer: a
      .model({
        email: a.email().required(),
        name: a.string(),
        phone: a.phone(),
        addresses: a.ref('PostalAddress').array(),
        orders: a.hasMany('Order', 'customerId'),
        cart: a.hasOne('Cart', 'customerId'),
        wishlist: a.hasMany('WishlistItem', 'customerId'),
      })
      .secondaryIndexes((index) => [index('email')])
      .authorization((allow) => [allow.owner(), allow.groups(['Support']).to(['read'])]),

    Cart: a
      .model({
        customerId: a.id(),
        customer: a.belongsTo('Customer', 'customerId'),
        items: a.ref('CartLine').array(),
        updatedBy: a.string(),
      })
      .authorization((allow) => [allow.owner()]),

    WishlistItem: a
      .model({
        customerId: a.id().required(),
        customer: a.belongsTo('Customer', 'customerId'),
        productSku: a.string().required(),
        addedAt: a.datetime(),
      })
      .authorization((allow) => [allow.owner()]),

    Order: a
      .model({
        customerId: a.id().required(),
        customer: a.belongsTo('Customer', 'customerId'),
        status: a.ref('OrderStatus').required(),
        placedAt: a.datetime().required(),
        total: a.ref('Money'),
        shippingAddress: a.ref('PostalAddress'),
        lines: a.hasMany('OrderLine', 'orderId'),
        shipment: a.hasOne('Shipment', 'orderId'),
        payments: a.hasMany('Payment', 'orderId'),
      })
      .secondaryIndexes((index) => [index('customerId').sortKeys(['placedAt']).queryField('ordersByCustomer'), index('status').sortKeys(['placedAt']).name('byStatusDate')])
      .authorization((allow) => [allow.owner().to(['create', 'read']), allow.groups(['Support', 'Ops'])]),

    OrderLine: a
      .model({
        orderId: a.id().required(),
        order: a.belongsTo('Order', 'orderId'),
        productSku: a.string().required(),
        quantity: a.integer().required(),
        unitPrice: a.float().required(),
      })
      .authorization((allow) => [allow.owner().to(['create', 'read']), allow.groups(['Support', 'Ops'])]),

    Shipment: a
      .model({
        orderId: a.id(),
        order: a.belongsTo('Order', 'orderId'),
        carrier: a.enum(['UPS', 'FEDEX', 'DHL', 'USPS']),
        trackingNumber: a.string(),
        shippedAt: a.datetime(),
        deliveredAt: a.datetime(),
        events: a.hasMany('ShipmentEvent', 'shipmentId'),
      })
      .secondaryIndexes((index) => [index('trackingNumber').queryField('shipmentByTracking')])
      .authorization((allow) => [allow.groups(['Ops']), allow.authenticated().to(['read'])]),

    ShipmentEvent: a
      .model({
        shipmentId: a.id().required(),
        shipment: a.belongsTo('Shipment', 'shipmentId'),
        at: a.datetime().required(),
        description: a.string(),
        location: a.ref('GeoPoint'),
      })
      .authorization((allow) => [allow.groups(['Ops']), allow.authenticated().to(['read'])]),

    Payment: a
      .model({
        orderId: a.id().required(),
        order: a.belongsTo('Order', 'orderId'),
        amount: a.ref('Money').required(),
        method: a.enum(['CARD', 'PAYPAL', 'BANK_TRANSFER']),
        capturedAt: a.datetime(),
        providerRef: a.string().authorization((allow) => [allow.groups(['Billing'])]),
      })
      .authorization((allow) => [allow.groups(['Billing', 'Support'])]),

    Coupon: a
      .model({
        code: a.string().required(),
        percentOff: a.integer(),
        validUntil: a.date(),
        maxUses: a.integer().default(100),
      })
      .identifier(['code'])
      .disableOperations(['subscriptions'])
      .authorization((allow) => [allow.publicApiKey().to(['get']), allow.groups(['Marketing'])]),

    Campaign: a
      .model({
        name: a.string().required(),
        startsOn: a.date(),
        endsOn: a.date(),
        budget: a.float(),
        channels: a.ref('Channel').array(),
      })
      .authorization((allow) => [allow.groups(['Marketing'])]),

    Article: a
      .model({
        slug: a.string().required(),
        title: a.string().required(),
        body: a.string(),
        authorId: a.id(),
        author: a.belongsTo('Author', 'authorId'),
        publishedAt: a.datetime(),
        status: a.ref('ProductStatus'),
        coverImage: a.url(),
      })
      .secondaryIndexes((index) => [index('slug').queryField('articleBySlug'), index('authorId').sortKeys(['publishedAt'])])
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.guest().to(['read']), allow.owner()]),

    Author: a
      .model({
        name: a.string().required(),
        bio: a.string(),
        articles: a.hasMany('Article', 'authorId'),
      })
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.owner()]),

    Notification: a
      .model({
        recipient: a.string().required(),
        kind: a.enum(['INFO', 'WARNING', 'ALERT']),
        message: a.string().required(),
        read: a.boolean().default(false),
        data: a.json(),
      })
      .secondaryIndexes((index) => [index('recipient')])
      .authorization((allow) => [allow.ownerDefinedIn('recipient')]),

    AuditEvent: a
      .model({
        actor: a.string(),
        action: a.string().required(),
        target: a.string(),
        at: a.timestamp().required(),
        ip: a.ipAddress(),
      })
      .disableOperations(['update', 'delete', 'subscriptions'])
      .authorization((allow) => [allow.groups(['Admin']).to(['read']), allow.authenticated().to(['create'])]),

    FeatureFlag: a
      .model({
        key: a.string().required(),
        enabled: a.boolean().default(false),
        rollout: a.float().default(0.0),
        rules: a.json(),
      })
      .identifier(['key'])
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Admin'])]),

    ApiToken: a
      .model({
        name: a.string().required(),
        hash: a.string().required(),
        scopes: a.string().array(),
        expiresAt: a.datetime(),
      })
      .authorization((allow) => [allow.owner()]),

    Webhook: a
      .model({
        url: a.url().required(),
        events: a.string().required().array().required(),
        secret: a.string().authorization((allow) => [allow.owner()]),
        active: a.boolean().default(true),
      })
      .authorization((allow) => [allow.owner(), allow.groups(['Admin']).to(['read'])]),

    Document: a
      .model({
        title: a.string().required(),
        content: a.string(),
        folderId: a.id(),
        folder: a.belongsTo('Folder', 'folderId'),
        sharedWith: a.string().array(),
        version: a.integer().default(1),
      })
      .authorization((allow) => [allow.owner(), allow.ownersDefinedIn('sharedWith').to(['read'])]),

    Folder: a
      .model({
        name: a.string().required(),
        parentId: a.id(),
        parent: a.belongsTo('Folder', 'parentId'),
        subfolders: a.hasMany('Folder', 'parentId'),
        documents: a.hasMany('Document', 'folderId'),
      })
      .authorization((allow) => [allow.owner()]),

    Event: a
      .model({
        title: a.string().required(),
        startsAt: a.datetime().required(),
        endsAt: a.datetime(),
        venueId: a.id(),
        venue: a.belongsTo('Venue', 'venueId'),
        registrations: a.hasMany('Registration', 'eventId'),
        capacity: a.integer(),
      })
      .secondaryIndexes((index) => [index('venueId').sortKeys(['startsAt'])])
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Organizers'])]),

    Venue: a
      .model({
        name: a.string().required(),
        location: a.ref('GeoPoint'),
        address: a.ref('PostalAddress'),
        events: a.hasMany('Event', 'venueId'),
      })
      .authorization((allow) => [allow.publicApiKey().to(['read']), allow.groups(['Organizers'])]),

    Registration: a
      .model({
        eventId: a.id().required(),
        event: a.belongsTo('Event', 'eventId'),
        attendeeEmail: a.email().required(),
        ticketType: a.enum(['GENERAL', 'VIP', 'STUDENT']),
        checkedIn: a.boolean().default(false),
      })
      .secondaryIndexes((index) => [index('eventId').sortKeys(['attendeeEmail'])])
      .authorization((allow) => [allow.owner(), allow.groups(['Organizers'])]),

    Survey: a
      .model({
        title: a.string().required(),
        questions: a.ref('SurveyQuestion').array(),
        responses: a.hasMany('SurveyResponse', 'surveyId'),
        closesAt: a.datetime(),
      })
      .authorization((allow) => [allow.groups(['Research']), allow.authenticated().to(['read'])]),

    SurveyResponse: a
      .model({
        surveyId: a.id().required(),
        survey: a.belongsTo('Survey', 'surveyId'),
        answers: a.json(),
        submittedAt: a.datetime(),
      })
      .secondaryIndexes((index) => [index('surveyId').name('ResponsesBySurvey')])
      .authorization((allow) => [allow.owner().to(['create', 'read']), allow.groups(['Research']).to(['read'])]),

    Message: a
      .model({
        threadId: a.id().required(),
        thread: a.belongsTo('Thread', 'threadId'),
        body: a.string().required(),
        sentAt: a.datetime().required(),
        participants: a.string().array(),
      })
      .secondaryIndexes((index) => [index('threadId').sortKeys(['sentAt'])])
      .authorization((allow) => [allow.ownersDefinedIn('participants')]),

    Thread: a
      .model({
        subject: a.string(),
        messages: a.hasMany('Message', 'threadId'),
        participants: a.string().array(),
        team: a.string(),
      })
      .authorization((allow) => [allow.ownersDefinedIn('participants'), allow.groupDefinedIn('team').to(['read'])]),

    Device: a
      .model({
        serial: a.string().required(),
        model: a.string(),
        lastSeen: a.timestamp(),
        lastIp: a.ipAddress(),
        readings: a.hasMany('SensorReading', 'deviceSerial'),
        groups: a.string().array(),
      })
      .identifier(['serial'])
      .authorization((allow) => [allow.groupsDefinedIn('groups'), allow.groups(['Ops'])]),

    SensorReading: a
      .model({
        deviceSerial: a.string().required(),
        device: a.belongsTo('Device', 'deviceSerial'),
        takenAt: a.timestamp().required(),
        temperature: a.float(),
        humidity: a.float(),
      })
      .identifier(['deviceSerial', 'takenAt'])
      .authorization((allow) => [allow.groups(['Ops']), allow.custom()]),

    SupportTicket: a
      .model({
        subject: a.string().required(),
        customerEmail: a.email(),
        status: a.enum(['NEW', 'OPEN', 'PENDING', 'SOLVED']),
        priority: a.integer(),
        assignedTo: a.string(),
        tags: a.string().array(),
      })
      .secondaryIndexes((index) => [index('assignedTo').sortKeys(['priority']), index('customerEmail')])
      .authorization((allow) => [allow.owner().to(['create', 'read']), allow.groups(['Support'])]),

    search: a
      .query()
      .arguments({ term: a.string().required(), models: a.string().array(), limit: a.integer() })
      .returns(a.ref('SearchHit').array())
      .authorization((allow) => [allow.authenticated(), allow.publicApiKey()])
      .handler(a.handler.function(searchHandler)),

    closeIssue: a
      .mutation()
      .arguments({ issueId: a.id().required(), state: a.ref('IssueState').required() })
      .returns(a.ref('Issue'))
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.custom({ dataSource: a.ref('Issue'), entry: './close-issue.js' })),

    onIssueClosed: a
      .subscription()
      .for(a.ref('closeIssue'))
      .authorization((allow) => [allow.authenticated()])
      .handler(a.handler.custom({ entry: './on-issue-closed.js' })),
  })
  .authorization((allow) => [allow.authenticated()]);

export type Schema = ClientSchema<typeof schema>;

export const data = defineData({
  schema,
  authorizationModes: {
    defaultAuthorizationMode: 'userPool',
    apiKeyAuthorizationMode: { expiresInDays: 30 },
    lambdaAuthorizationMode: { function: deviceAuthorizer, timeToLiveInSeconds: 60 },
  },
});
